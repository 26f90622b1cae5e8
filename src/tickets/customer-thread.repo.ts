import type { Knex } from 'knex';
import { type AttachmentView, toAttachmentView } from '../attachments/attachments.repo';
import { customerVisibleKinds, type MessageKind, type MessageView } from './messages.repo';

export type ThreadMessage = MessageView & { attachments: AttachmentView[] };

type ThreadRow = {
  id: number;
  kind: MessageKind;
  author_name: string;
  body: string;
  rating: number | null;
  created_at: number;
  attachment_id: number | null;
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  storage_key: string | null;
};

/**
 * The conversation as the customer's ticket page shows it, each message with its files, in one
 * read: customer and staff messages (never notes) and the files of those messages. The same as
 * listCustomerMessages + listCustomerAttachments (the API still reads them apart), one statement
 * fewer per page view (issue 16). A message with several files comes once per file; they are
 * folded back here. Read through messages_ticket_kind_idx and attachments_message_idx.
 */
export async function listCustomerThread(db: Knex, ticketId: number): Promise<ThreadMessage[]> {
  const rows = await db('messages as m')
    .leftJoin('attachments as a', function joinFiles() {
      this.on('a.message_id', '=', 'm.id').andOn('a.ticket_id', '=', 'm.ticket_id');
    })
    .where('m.ticket_id', ticketId)
    .whereIn('m.kind', customerVisibleKinds)
    .orderBy([{ column: 'm.id' }, { column: 'a.id' }])
    .select<ThreadRow[]>(
      'm.id',
      'm.kind',
      'm.author_name',
      'm.body',
      'm.rating',
      'm.created_at',
      'a.id as attachment_id',
      'a.file_name',
      'a.content_type',
      'a.size_bytes',
      'a.storage_key',
    );
  const thread: ThreadMessage[] = [];
  for (const r of rows) {
    const id = Number(r.id);
    let message = thread[thread.length - 1];
    if (message?.id !== id) {
      message = {
        id,
        kind: r.kind,
        authorName: String(r.author_name),
        body: String(r.body),
        rating: r.rating == null ? null : Number(r.rating),
        createdAt: Number(r.created_at),
        attachments: [],
      };
      thread.push(message);
    }
    if (r.attachment_id != null)
      message.attachments.push(toAttachmentView({ ...r, id: r.attachment_id, message_id: id }));
  }
  return thread;
}
