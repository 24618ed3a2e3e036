import { PageHeader } from '../components/ui';

export function AccountsScreen() {
  return <PageHeader title="AccountsScreen" subtitle="Coming next." />;
}
