import { PageHeader } from '../components/ui';

export function ListDetailScreen(props: { listId: string }) {
  return <PageHeader title={`List ${props.listId}`} subtitle="Coming next." />;
}
