import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';
import { fromRoot } from '../paths';

const publicDir = fromRoot('public');

/** A short hash of every file in public/, so asset URLs change whenever an asset does. */
export function computeAssetVersion(dir = publicDir): string {
  const h = crypto.createHash('sha256');
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else h.update(entry.name).update(fs.readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex').slice(0, 10);
}

/** public/ under /static: versioned URLs may be cached for a year. */
export function staticFiles(): RequestHandler {
  return express.static(publicDir, {
    index: false,
    dotfiles: 'ignore',
    fallthrough: true,
    setHeaders: (res, _file) => {
      const versioned = /[?&]v=/.test(res.req.originalUrl);
      res.setHeader('Cache-Control', versioned ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
    },
  });
}
