import { randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type { Queryable } from '../db/index.ts';
import { TIME_ZONE } from '../time/vietnam.ts';

export interface Certificate {
  code: string;
  displayName: string;
  courseTitle: string;
  issuedAt: Date;
}

/** Letters and digits that cannot be mistaken for one another when read aloud or typed (no 0/O, 1/I/L). */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** Issues (once per user and course) a certificate with a short verification code. */
export async function issueCertificate(
  db: Queryable,
  userId: number,
  courseId: string,
  displayName: string,
  now: Date,
): Promise<Certificate> {
  const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  await db.query(
    `insert into certificates (code, user_id, course_id, display_name, course_title, issued_at)
     select $1, $2, $3, $4, title, $5 from courses where id = $3
     on conflict (user_id, course_id) do nothing`,
    [code, userId, courseId, displayName.slice(0, 80), now],
  );
  const [row] = await db.query<{ code: string }>('select code from certificates where user_id = $1 and course_id = $2', [userId, courseId]);
  return (await findCertificate(db, row!.code))!;
}

export async function findCertificate(db: Queryable, code: string): Promise<Certificate | undefined> {
  const [row] = await db.query<{ code: string; display_name: string; course_title: string; issued_at: Date }>(
    'select code, display_name, course_title, issued_at from certificates where code = $1',
    [code.toUpperCase()],
  );
  return row && { code: row.code, displayName: row.display_name, courseTitle: row.course_title, issuedAt: row.issued_at };
}

/** Path of a certificate picture on our HTTP server. */
export const certificatePath = (code: string) => `/certificates/${code}.png`;

/**
 * Resolves an image path of ours to PNG bytes (the HTTP route, and channels that upload pictures). A certificate is
 * rendered the first time it is asked for and stored with it; every later request reads the stored bytes.
 */
export function certificateImages(db: Queryable, verifyBase: string): (path: string) => Promise<Buffer | undefined> {
  return async (path) => {
    const code = /^\/certificates\/([A-Z0-9]{4,16})\.png$/.exec(path)?.[1];
    if (!code) return undefined;
    const [stored] = await db.query<{ png: Uint8Array | null }>('select png from certificates where code = $1', [code]);
    if (!stored) return undefined;
    if (stored.png) return Buffer.from(stored.png);
    const cert = (await findCertificate(db, code))!;
    const png = renderCertificatePng(cert, `${verifyBase}/verify/${cert.code}`);
    await db.query('update certificates set png = $2 where code = $1 and png is null', [code, png]);
    return png;
  };
}

let fontsReady = false;
function registerFonts(): void {
  if (fontsReady) return;
  // DejaVu has every Vietnamese letter; it ships as an npm package, so no system font is needed.
  const dir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  GlobalFonts.registerFromPath(join(dir, 'DejaVuSans.ttf'), 'Cert Sans');
  GlobalFonts.registerFromPath(join(dir, 'DejaVuSans-Bold.ttf'), 'Cert Sans Bold');
  fontsReady = true;
}

export function viDateOf(at: Date): string {
  return new Intl.DateTimeFormat('vi-VN', { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(at);
}

/** The certificate as a 1200×850 PNG: name, course, date and verification code. */
function renderCertificatePng(cert: Certificate, verifyUrl: string): Buffer {
  registerFonts();
  const canvas = createCanvas(1200, 850);
  const g = canvas.getContext('2d');
  g.fillStyle = '#fffaf0';
  g.fillRect(0, 0, 1200, 850);
  g.strokeStyle = '#b3261e';
  g.lineWidth = 14;
  g.strokeRect(30, 30, 1140, 790);
  g.textAlign = 'center';
  g.fillStyle = '#b3261e';
  g.font = '34px "Cert Sans Bold"';
  g.fillText('TRỢ LÝ BÌNH DÂN', 600, 130);
  g.fillStyle = '#1d1b1a';
  g.font = '56px "Cert Sans Bold"';
  g.fillText('GIẤY CHỨNG NHẬN', 600, 230);
  g.font = '30px "Cert Sans"';
  g.fillText('Chứng nhận', 600, 320);
  g.font = '54px "Cert Sans Bold"';
  g.fillText(fit(g, cert.displayName, 1000), 600, 400);
  g.font = '30px "Cert Sans"';
  g.fillText('đã hoàn thành khóa học', 600, 470);
  g.font = '40px "Cert Sans Bold"';
  g.fillText(fit(g, cert.courseTitle, 1050), 600, 540);
  g.font = '28px "Cert Sans"';
  g.fillText(`Ngày ${viDateOf(cert.issuedAt)} · trợ lý Bình Dân`, 600, 620);
  g.font = '26px "Cert Sans"';
  g.fillStyle = '#444';
  g.fillText(`Mã xác minh: ${cert.code} · ${verifyUrl}`, 600, 725);
  g.font = '20px "Cert Sans"';
  g.fillText('Giấy này ghi nhận việc học với trợ lý; không thay chứng nhận trên binhdanhocvuso.gov.vn hay VNeID.', 600, 775);
  return canvas.toBuffer('image/png');
}

function fit(g: { measureText(t: string): { width: number } }, text: string, width: number): string {
  let t = text;
  while (t.length > 4 && g.measureText(t).width > width) t = t.slice(0, -2);
  return t === text ? t : `${t.trimEnd()}…`;
}
