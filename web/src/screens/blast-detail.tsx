import { PageHeader } from '../components/ui';

export function BlastDetailScreen(props: { blastId: string }) {
  return <PageHeader title={`Blast ${props.blastId}`} subtitle="Coming next." />;
}
