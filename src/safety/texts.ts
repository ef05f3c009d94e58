import type { LinkKind } from './links.ts';

/** What the assistant says about scams, links and media. Every fact here is in the guides (lua-dao-*, bao-cao-lua-dao). */

/** The first line of every scam warning (the overview counts warnings shown by it, in `messages`). */
export const SCAM_HEADER = '⚠️ **Cảnh giác: đây rất giống chiêu lừa đảo.**';
const SCAM_RULES =
  '• Công an không gọi điện hay nhắn tin để kích hoạt, "nâng cấp mức 2" hay cập nhật VNeID. Mức 2 chỉ làm trực tiếp ở công an.\n' +
  '• Sau sáp nhập, địa chỉ trên VNeID được cập nhật tự động; ai bảo bạn "cập nhật" là lừa đảo.\n' +
  '• Không đọc mã OTP, mật khẩu, passcode; không gửi ảnh căn cước; không cài ứng dụng từ đường link; không chuyển tiền.\n' +
  '• Nghi ngờ thì cúp máy, hỏi công an xã/phường. Báo cuộc gọi lừa đảo: gọi 156 hoặc nhắn 5656 (miễn phí).';

/** Sent before anything else when a message tells a scam story. */
export const SCAM_WARNING = `${SCAM_HEADER}\n${SCAM_RULES}`;

/** The warning with the lines about the scams recognised (knowledge/scam-signals.yaml) before the general rules. */
export function scamWarning(lines: readonly string[]): string {
  return lines.length ? `${SCAM_HEADER}\n${lines.map((l) => `👉 ${l}`).join('\n')}\n${SCAM_RULES}` : SCAM_WARNING;
}

/** How the verdicts on dangerous links start (a lookalike site, an .apk): the console counts them as scam warnings. */
export const LINK_DANGER = '⛔';

/** The verdict on a link, by kind, naming its host. */
export const LINK_VERDICT: Record<LinkKind, (host: string) => string> = {
  official: (h) => `✅ ${h} là trang chính thức của cơ quan nhà nước. Dù vậy, đừng nhập mã OTP khi có người khác đọc hộ hay giục giã.`,
  store: (h) =>
    `ℹ️ ${h} là kho ứng dụng. VNeID thật do Bộ Công an phát hành, trên CH Play có nhãn "Ứng dụng Chính phủ". ` +
    'Cách an toàn nhất: tự mở CH Play/App Store và gõ tìm "VNeID", đừng bấm link người khác gửi.',
  apk: (h) =>
    `${LINK_DANGER} Đường link từ ${h} tải về tệp .apk: **tuyệt đối không cài**. ` +
    'Ứng dụng giả dạng VNeID qua tệp APK có thể đọc trộm mã OTP và lấy tiền trong tài khoản ngân hàng. ' +
    'VNeID thật chỉ cài từ CH Play hoặc App Store.',
  shortener: (h) =>
    `⚠️ ${h} là link rút gọn: không biết nó dẫn đi đâu. Đừng bấm nếu không chắc người gửi. Trang chính thức của nhà nước có đuôi .gov.vn.`,
  lookalike: (h) =>
    `${LINK_DANGER} **${h} là trang giả mạo.** Tên giống trang nhà nước nhưng không phải. ` +
    'Trang thật có đuôi .gov.vn (ví dụ vneid.gov.vn, dichvucong.gov.vn). Đừng bấm, đừng nhập thông tin hay mã OTP.',
  unknown: (h) =>
    `⚠️ ${h} không phải trang chính thức của nhà nước. Trang thật có đuôi .gov.vn. ` +
    'Đừng nhập số căn cước, mật khẩu hay mã OTP vào trang này.',
};

/** The reply to a photo, a contact or other media, which are never stored. */
export const MEDIA_REPLY: Record<string, string> = {
  default: 'Mình chỉ đọc được tin nhắn chữ. Bạn gõ câu hỏi giúp mình nhé, ví dụ: "quên mật khẩu VNeID" hoặc "cách nộp hồ sơ dịch vụ công".',
  photo:
    'Mình chưa xem được ảnh, bạn gõ câu hỏi bằng chữ giúp mình nhé.\n' +
    '⚠️ Đừng gửi ảnh căn cước, giấy tờ hay ảnh màn hình VNeID cho bất kỳ ai trên mạng, kể cả cho mình: ảnh này không được lưu lại.',
  contact: 'Mình không cần và không lưu số điện thoại của bạn. ⚠️ Đừng gửi số điện thoại, số căn cước hay mã OTP cho người lạ.',
};
