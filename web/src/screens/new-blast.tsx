import { PageHeader } from '../components/ui';

export function NewBlastScreen() {
  return <PageHeader title="NewBlastScreen" subtitle="Coming next." />;
}
