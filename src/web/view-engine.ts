import fs from 'node:fs';
import ejs from 'ejs';

type Locals = Record<string, unknown>;
type Template = (data: Locals) => string;
type Include = (name: string, includeData?: Locals) => string;
type Done = (err: Error | null, html?: string) => void;

/**
 * The `.ejs` engine. With the view cache on (production), each view and partial is compiled once
 * and an `include` calls the partial's compiled function: EJS itself resolves every include anew
 * (a copy of its options, a file-system check per include) even with its cache on. The output is
 * EJS's own: the same compiled functions, given the same locals (the parent's, then the include's
 * own), as EJS's `include` gives them. With the view cache off (development) it is EJS's
 * `renderFile` as before, so an edited view shows on the next request.
 */
export function viewEngine() {
  const templates = new Map<string, Template>();
  const includePaths = new Map<string, string>();

  function template(file: string, views: string[]): Template {
    let compiled = templates.get(file);
    if (!compiled) {
      const source = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      compiled = ejs.compile(source, { filename: file, views }) as Template;
      templates.set(file, compiled);
    }
    return compiled;
  }

  /** Where EJS would look: beside the including file, then in each views directory. */
  function includePath(name: string, parent: string, views: string[]): string {
    const key = `${parent}\0${name}`;
    let found = includePaths.get(key);
    if (!found) {
      const candidates = [ejs.resolveInclude(name, parent), ...views.map((dir) => ejs.resolveInclude(name, dir, true))];
      found = candidates.find((file) => fs.existsSync(file));
      if (!found) throw new Error(`Could not find the include file "${ejs.escapeXML(name)}"`);
      includePaths.set(key, found);
    }
    return found;
  }

  /** Renders `file` with `data`; its own includes (an own `include` local, which EJS's `with` finds first) come here. */
  function render(file: string, data: Locals, views: string[]): string {
    const include: Include = (name, includeData) =>
      render(includePath(name, file, views), { ...data, ...includeData }, views);
    return template(file, views)({ ...data, include });
  }

  return (file: string, given: object, done: Done) => {
    const options = given as Locals & { cache?: boolean; settings?: { views?: string | string[] } };
    if (!options.cache) return ejs.renderFile(file, options, done);
    const views = [options.settings?.views ?? []].flat();
    let html: string;
    try {
      html = render(file, options, views);
    } catch (err) {
      return done(err as Error);
    }
    done(null, html);
  };
}
