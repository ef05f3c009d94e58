import type { Feature, Handler } from '../core/conversation.ts';
import { reply } from '../core/message.ts';
import { CHOICE } from '../ask/render.ts';

/**
 * Handoff to a volunteer. Until volunteers can be registered (the help desk is a later step), the citizen is told
 * honestly where a person can help today: the guides on community digital teams and official hotlines.
 */
export function handoffFeature(): Feature {
  const open: Handler = async () => [
    reply(
      'Hiện chưa có tình nguyện viên trực tuyến trên kênh này. Bạn có thể nhờ người thật giúp trực tiếp:\n' +
        '• Tổ công nghệ số cộng đồng ở thôn, tổ dân phố của bạn.\n' +
        '• Công an xã/phường (các việc về VNeID, căn cước).\n' +
        '• Trung tâm phục vụ hành chính công của xã/phường (thủ tục, hồ sơ).',
      [
        { id: CHOICE.guide('to-cong-nghe-so-cong-dong'), label: '📄 Tổ công nghệ số cộng đồng' },
        { id: CHOICE.guide('tong-dai-ho-tro'), label: '📄 Các tổng đài hỗ trợ chính thức' },
      ],
    ),
  ];
  return {
    name: 'handoff',
    commands: { '/tinhnguyenvien': open },
    phrases: Object.fromEntries(['cho tôi gặp người thật', 'gặp người thật', 'nói chuyện với người', 'tình nguyện viên', 'hỏi tình nguyện viên'].map((p) => [p, open])),
    choices: { human: open },
  };
}
