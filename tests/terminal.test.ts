import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

describe('terminal chat (npm run chat)', () => {
  it('greets, answers a question, and maps a typed number to a choice', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bd-chat-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/chat.ts'], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', CHAT_USER: 'test' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end('quen mat khau vneid\n3\n/thoat\n');
    const code = await new Promise<number | null>((done) => child.on('close', done));
    rmSync(dataDir, { recursive: true, force: true });
    expect(code).toBe(0);
    expect(out).toContain('Mình là Bình Dân');
    expect(out).toContain('Quên mật khẩu hoặc passcode VNeID');
    expect(out).toMatch(/Nguồn: https:\/\/vneid\.gov\.vn · cập nhật/);
    expect(out).toMatch(/3\. 🙋 Hỏi tình nguyện viên/);
    expect(out).toContain('Tổ công nghệ số cộng đồng'); // choice 3 → volunteer help
  });
});
