import { html } from './html.ts';
import { lastRetentionRun, RETENTION_TABLES } from './retention.ts';
import { view, type ConsolePages } from './routes.ts';

/**
 * `/console/privacy` (operators): what the console shows of citizens, the RETENTION_DAYS setting, and the daily
 * privacy job's last run — when, and how many rows of each table it deleted.
 */

const when = (at: Date) => `${at.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

export const privacyPages: ConsolePages = (scope, deps) => {
  scope.get('/privacy', { config: { console: ['operator'] } }, async (req, res) => {
    const run = await lastRetentionRun(deps.db);
    const days = deps.config.RETENTION_DAYS;
    // in the job's order (jsonb keeps its own), then any table a later version added
    const tables = run ? [...RETENTION_TABLES, ...Object.keys(run.deleted).filter((t) => !RETENTION_TABLES.includes(t))] : [];
    const deleted = run ? tables.map((t) => [t, run.deleted[t] ?? 0] as const).filter(([, n]) => n > 0) : [];
    return view(req, res, {
      title: 'Riêng tư',
      path: '/console/privacy',
      body: html`<div class="card">
          <p>
            Bảng điều khiển chỉ hiện <b>chữ đã che</b> (số điện thoại, số căn cước, mã OTP đã được che trước khi lưu) và
            <b>bí danh</b> (<code>Người dân #123</code>), không bao giờ hiện số điện thoại hay số giấy tờ. File xuất ra cũng vậy.
          </p>
        </div>
        <h2>Thời gian lưu</h2>
        <div class="card" id="retention-setting">
          ${
            days > 0
              ? html`<p>
                  Dữ liệu của người dân cũ hơn <b>${days} ngày</b> (<code>RETENTION_DAYS</code>) được xóa mỗi ngày một lần: tin nhắn, câu
                  hỏi và đánh giá, yêu cầu hỗ trợ đã đóng, yêu cầu không ai nhận, và người dân lâu không quay lại.
                </p>`
              : html`<p><b>Đang giữ mọi dữ liệu</b> (<code>RETENTION_DAYS=0</code>): không có việc xóa hằng ngày.</p>`
          }
          <p class="note">Bảng được dọn: ${RETENTION_TABLES.join(', ')}.</p>
        </div>
        <h2>Lần xóa gần nhất</h2>
        <div class="card" id="retention-run">
          ${
            !run
              ? html`<p class="note">Chưa chạy lần nào.</p>`
              : html`<p>
                    Ngày ${run.day}: bắt đầu ${when(run.startedAt)},
                    ${run.finishedAt ? html`xong ${when(run.finishedAt)}` : html`<span class="error">chưa xong (dừng giữa chừng)</span>`} ·
                    giữ ${run.retentionDays} ngày.
                  </p>
                  ${
                    deleted.length
                      ? html`<table>
                          <thead>
                            <tr>
                              <th>Bảng</th>
                              <th class="n">Số dòng đã xóa</th>
                            </tr>
                          </thead>
                          <tbody>
                            ${deleted.map(
                              ([table, n]) =>
                                html`<tr>
                                  <td>${table}</td>
                                  <td class="n">${n}</td>
                                </tr>`,
                            )}
                          </tbody>
                        </table>`
                      : html`<p class="note">Không có gì đủ cũ để xóa.</p>`
                  }`
          }
        </div>`,
    });
  });
};
