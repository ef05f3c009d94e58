import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Queryable } from '../db/index.ts';
import { certificateImages } from './certificate.ts';
import { LESSON_IMAGE } from './content.ts';

/** The bytes of a picture by the path the server serves it at; undefined when there is none. */
export type Pictures = (path: string) => Promise<Buffer | undefined>;

/**
 * Every picture of the learn slice by the path our HTTP server serves it at: certificates (drawn on demand) and lesson
 * pictures (files shipped in `knowledge/lessons/<course>/`). Built once per process: learn's routes answer these paths
 * (`registerLearnRoutes`); Telegram uploads the bytes; Zalo, which takes only public URLs, is given `PUBLIC_URL` + path.
 */
export function learnPictures(db: Queryable, knowledgeDir: string, verifyBase: string): Pictures {
  const certificates = certificateImages(db, verifyBase);
  return async (path) => {
    if (path.startsWith('/certificates/')) return certificates(path);
    const lesson = /^\/lesson-images\/([a-z0-9]+(?:-[a-z0-9]+)*)\/([^/]+)$/.exec(path);
    if (!lesson || !LESSON_IMAGE.test(lesson[2]!)) return undefined;
    return readFile(join(knowledgeDir, 'lessons', lesson[1]!, lesson[2]!)).catch(() => undefined);
  };
}

/** The content type of a picture path. */
export const pictureType = (path: string) => (/\.jpe?g$/i.test(path) ? 'image/jpeg' : 'image/png');
