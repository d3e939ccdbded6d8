import { renderTemplate, slotsIn, smsSegments, TemplateError } from '../../shared/domain/template';

const ctx = { zone: 'Asia/Kolkata', sendAt: new Date('2027-02-28T03:30:00Z'), deadlineAt: new Date('2027-03-04T02:00:00Z'), firstName: 'Priya', anchors: { step2_exam: '2027-01-20' } };

describe('templates', () => {
  it('fills the slots on the reader’s clock', () => {
    expect(renderTemplate('Hi {{firstName}}, due {{daysLeft}}: {{deadline}}. Exam {{date:step2_exam}}.', ctx)).toBe(
      'Hi Priya, due in 4 days: Thu 4 Mar, 07:30. Exam Wed 20 Jan.',
    );
  });
  it('without a first name, writes as if none was ever there (no stand-in name)', () => {
    const none = { ...ctx, firstName: undefined };
    expect(renderTemplate('Hi {{firstName}}', none)).toBe('Hi');
    expect(renderTemplate('Hi {{firstName}},\n\nGood news.', none)).toBe('Hi,\n\nGood news.');
    expect(renderTemplate('{{firstName}}, how was the week?', none)).toBe('How was the week?');
    expect(renderTemplate('Sunday check-in, {{firstName}}: how was it?', none)).toBe('Sunday check-in: how was it?');
    expect(renderTemplate('Morning {{firstName}}. Pick a goal.', none)).toBe('Morning. Pick a goal.');
    expect(renderTemplate('Well done. {{firstName}}, rest now.', none)).toBe('Well done. Rest now.');
    expect(renderTemplate("{{firstName}}, 'why this specialty?' lands best", none)).toBe("'Why this specialty?' lands best");
    expect(renderTemplate('Congratulations, {{firstName}}!', { ...ctx, firstName: '  ' })).toBe('Congratulations!');
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
