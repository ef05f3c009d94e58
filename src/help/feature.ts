import type { Feature, Handler } from '../core/feature.ts';
import { reply } from '../core/message.ts';
import { guideChoice, HUMAN } from '../shared/choices.ts';

const example = (guide: string, label: string) => ({ id: guideChoice.make({ guide }), label });
const EXAMPLES = [
  example('vneid-dang-nhap-thiet-bi-moi', '📱 Đăng nhập VNeID trên máy mới'),
  example('vneid-quen-mat-khau', '🔑 Quên mật khẩu VNeID'),
  example('dvc-nop-ho-so', '📝 Nộp hồ sơ dịch vụ công'),
  example('lua-dao-gia-danh-cong-an', '⚠️ Nhận diện cuộc gọi lừa đảo'),
];

const WELCOME =
  'Xin chào! Mình là **Bình Dân**, trợ lý của phong trào Bình dân học vụ số.\n' +
  'Mình hướng dẫn từng bước về ứng dụng VNeID, dịch vụ công trực tuyến và cách tránh lừa đảo, theo các hướng dẫn đã được kiểm tra.\n\n' +
  'Bạn cứ gõ câu hỏi, có dấu hay không dấu đều được, ví dụ: "quen mat khau vneid". Hoặc chọn một việc dưới đây.\n\n' +
  '🔒 Mình không bao giờ hỏi mã OTP, mật khẩu, passcode hay ảnh căn cước của bạn.';

const HELP =
  '**Mình giúp được gì?**\n' +
  '• Hỏi về VNeID, dịch vụ công, giấy tờ: gõ câu hỏi bình thường.\n' +
  '• Gửi một đường link: mình cho biết có phải trang chính thức không.\n' +
  '• Kể chuyện ai đó gọi điện, nhắn tin đòi mã OTP: mình chỉ cách nhận biết lừa đảo.\n' +
  '• Học kỹ năng số qua các bài ngắn có câu hỏi: gõ /hoc; xem kết quả: /tiendo.\n' +
  '• Cần người thật: bấm "Hỏi tình nguyện viên" hoặc gõ /tinhnguyenvien.\n\n' +
  'Lệnh: /start bắt đầu · /help trợ giúp · /hoc học bài · /tiendo tiến độ · /tinhnguyenvien gặp tình nguyện viên';

/** /start and /help, and their plain-word equivalents. */
export function helpFeature(): Feature {
  const welcome: Handler = async () => [reply(WELCOME, EXAMPLES)];
  const help: Handler = async () => [reply(HELP, [...EXAMPLES.slice(0, 2), HUMAN])];
  return {
    name: 'help',
    commands: {
      start: { description: 'Bắt đầu', run: welcome },
      help: { description: 'Mình giúp được gì', run: help },
      batdau: { description: 'Bắt đầu', run: welcome, hidden: true },
      trogiup: { description: 'Mình giúp được gì', run: help, hidden: true },
    },
    phrases: Object.fromEntries([
      ...['xin chào', 'chào', 'chào bạn', 'hi', 'hello', 'alo', 'bắt đầu', 'start'].map((p) => [p, welcome]),
      ...['help', 'trợ giúp', 'giúp tôi', 'giúp', 'hướng dẫn', 'menu'].map((p) => [p, help]),
    ]),
  };
}
