import { messageBodies } from '../../bench/shape';

// shared/bench/DATA-SHAPE.md: a first message of about 540 bytes, a staff answer of about 350, a follow-up of about 260.
test('the seeded messages have the sizes the data shape names', () => {
  const rows = 2000;
  const totals = [0, 0, 0];
  for (let r = 1; r <= rows; r++) messageBodies(r).forEach((body, i) => (totals[i]! += Buffer.byteLength(body)));
  const averages = totals.map((t) => t / rows);
  [540, 350, 260].forEach((want, i) => expect(Math.abs(averages[i]! - want)).toBeLessThan(want * 0.05));
});
