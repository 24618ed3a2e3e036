import { PageHeader } from '../components/ui';

export function ListsScreen() {
  return <PageHeader title="ListsScreen" subtitle="Coming next." />;
}
