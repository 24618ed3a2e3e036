import { useState } from 'preact/hooks';
import { api, call } from '../api/client';
import { EmptyState, ErrorNotice, Loading, Pager } from '../components/ui';
import { formatNumber } from '../format';
import { useResource } from '../hooks';
import { formatMoment } from './blast-shared';

// The replies attributed to a blast (GET /api/blasts/{id}/replies), oldest first, with the row and
// phone of the recipient who sent each. Reloaded whenever `refreshKey` changes.

const PAGE = 25;

const KINDS: Record<string, string> = {
  image: 'Picture',
  video: 'Video',
  audio: 'Voice or audio',
  document: 'Document',
  sticker: 'Sticker',
  location: 'Location',
  contact: 'Contact card',
  other: 'Other message',
};

export function BlastReplies(props: { blastId: string; refreshKey: number }) {
  const [offset, setOffset] = useState(0);
  const page = useResource(
    () => call(api.GET('/api/blasts/{id}/replies', { params: { path: { id: props.blastId }, query: { limit: PAGE, offset } } })),
    [props.blastId, offset, props.refreshKey],
  );
  const total = page.data?.total ?? 0;
  return (
    <section class="panel" aria-labelledby="blast-replies-title">
      <div class="blast-section-head">
        <h2 id="blast-replies-title">Replies</h2>
        <p class="muted blast-count" role="status">
          {page.data === undefined ? '' : `${formatNumber(total)} ${total === 1 ? 'reply' : 'replies'}`}
        </p>
      </div>
      <ErrorNotice error={page.error} title="The replies could not be loaded" />
      {page.data === undefined ? (
        page.error === undefined && <Loading />
      ) : page.data.items.length === 0 ? (
        <EmptyState title="No replies yet">Messages recipients send back to the account that messaged them show here.</EmptyState>
      ) : (
        <div class="table-wrap" tabIndex={0} aria-labelledby="blast-replies-title">
          <table class="blast-recipients-table" aria-busy={page.loading}>
            <caption class="sr-only">Replies</caption>
            <thead>
              <tr>
                <th scope="col" class="num blast-narrow-hide">Row</th>
                <th scope="col">Phone</th>
                <th scope="col">Reply</th>
                <th scope="col">Received</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((reply) => (
                <tr key={`${reply.sessionId}:${reply.messageId}`}>
                  <td class="num blast-narrow-hide">{reply.rowNumber ?? '—'}</td>
                  <td class="blast-nowrap">{reply.phone}</td>
                  <td class="blast-reason-cell">
                    {reply.kind !== 'text' && <span class="muted">[{KINDS[reply.kind] ?? reply.kind}] </span>}
                    {reply.text === null ? reply.kind === 'text' && <span class="muted">—</span> : <span class="blast-reply-text">{reply.text}</span>}
                    {reply.optOut && <div class="blast-small blast-opt-out">Opted out: the number is on the opt-out list</div>}
                  </td>
                  <td class="blast-nowrap">{formatMoment(reply.receivedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager offset={offset} limit={PAGE} total={total} onChange={setOffset} label="Reply pages" />
    </section>
  );
}
