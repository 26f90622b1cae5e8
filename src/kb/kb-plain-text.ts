import MarkdownIt from 'markdown-it';

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });

/** The inline text of a token's children: links keep their address after the words, images their description. */
function inline(children: Token[] | null): string {
  let out = '';
  const links: Array<{ href: string; start: number }> = [];
  for (const c of children ?? []) {
    if (c.type === 'text' || c.type === 'code_inline' || c.type === 'html_inline') out += c.content;
    else if (c.type === 'softbreak' || c.type === 'hardbreak') out += '\n';
    else if (c.type === 'image') out += c.content || c.attrGet('alt') || '';
    else if (c.type === 'link_open') links.push({ href: String(c.attrGet('href') ?? ''), start: out.length });
    else if (c.type === 'link_close') {
      const link = links.pop();
      // A bare address written as one (linkified) needs no repeat.
      if (link?.href && out.slice(link.start) !== link.href && `mailto:${out.slice(link.start)}` !== link.href)
        out += ` (${link.href})`;
    }
  }
  return out;
}

/**
 * An article's Markdown as plain text for a reply (which is plain text, shown escaped): paragraphs
 * and headings apart by a blank line, list items with "-" or their number, quotes with "> ",
 * table cells with " | ", links as "words (address)". No HTML ever comes out of it.
 */
export function kbMarkdownToText(source: string): string {
  const lines: string[] = [];
  const lists: Array<{ ordered: boolean; next: number }> = [];
  let quote = 0;
  let row: string[] | null = null;
  let item = '';
  const emit = (text: string) => {
    const prefix = '> '.repeat(quote);
    for (const line of text.split('\n')) {
      lines.push(prefix + item + line);
      // The item's further lines are indented under its first.
      item = ' '.repeat(item.length);
    }
  };
  for (const tok of markdown.parse(source, {})) {
    switch (tok.type) {
      case 'bullet_list_open':
      case 'ordered_list_open':
        lists.push({ ordered: tok.type === 'ordered_list_open', next: Number(tok.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        if (!lists.length) lines.push('');
        break;
      case 'list_item_open': {
        const list = lists[lists.length - 1]!;
        item = '  '.repeat(lists.length - 1) + (list.ordered ? `${list.next++}. ` : '- ');
        break;
      }
      case 'list_item_close':
        item = '';
        break;
      case 'blockquote_open':
        quote++;
        break;
      case 'blockquote_close':
        quote--;
        lines.push('');
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        emit((row ?? []).join(' | '));
        row = null;
        break;
      case 'table_close':
        lines.push('');
        break;
      case 'inline':
        if (row) row.push(inline(tok.children));
        else emit(inline(tok.children));
        break;
      case 'paragraph_close':
      case 'heading_close':
        if (!lists.length) lines.push('');
        break;
      case 'fence':
      case 'code_block':
        emit(tok.content.replace(/\n$/, ''));
        lines.push('');
        break;
      case 'hr':
        emit('---');
        lines.push('');
        break;
      default:
        break;
    }
  }
  return lines
    .join('\n')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
