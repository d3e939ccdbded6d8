import { renderTemplate, slotsIn, smsSegments, TemplateError } from '../../shared/domain/template';

const ctx = { zone: 'Asia/Kolkata', sendAt: new Date('2027-02-28T03:30:00Z'), deadlineAt: new Date('2027-03-04T02:00:00Z'), firstName: 'Priya', anchors: { step2_exam: '2027-01-20' } };

describe('templates', () => {
  it('fills the slots on the reader’s clock', () => {
    expect(renderTemplate('Hi {{firstName}}, due {{daysLeft}}: {{deadline}}. Exam {{date:step2_exam}}.', ctx)).toBe(
      'Hi Priya, due in 4 days: Thu 4 Mar, 07:30. Exam Wed 20 Jan.',
    );
  });
  it('falls back to a friendly word when there is no first name', () => {
    expect(renderTemplate('Hi {{firstName}}', { ...ctx, firstName: undefined })).toBe('Hi there');
  });
  it('refuses slots it cannot fill rather than sending a blank', () => {
    expect(() => renderTemplate('{{deadline}}', { ...ctx, deadlineAt: undefined })).toThrow(TemplateError);
    expect(() => renderTemplate('{{nickname}}', ctx)).toThrow(TemplateError);
    expect(() => renderTemplate('{{date:match_day}}', ctx)).toThrow(TemplateError);
    expect(slotsIn('{{firstName}} {{date:match_day}}')).toEqual(['firstName', 'date:match_day']);
  });
});

describe('SMS segments', () => {
  it('counts GSM-7 and UCS-2 as carriers do', () => {
    expect(smsSegments('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('a'.repeat(161)).segments).toBe(2);
    expect(smsSegments('[]'.repeat(40))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSegments('it’s').encoding).toBe('UCS-2'); // one curly quote switches the encoding
    expect(smsSegments('🙂'.repeat(36)).segments).toBe(2);
  });
});
