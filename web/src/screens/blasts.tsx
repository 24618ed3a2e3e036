import { PageHeader } from '../components/ui';

export function BlastsScreen() {
  return <PageHeader title="BlastsScreen" subtitle="Coming next." />;
}
