import { progressBeatBounds, progressBeatDeadlineFloorMs } from '../../src/core/jobs/jobRunner';

/** The deadline D = max(2·I, 1 s) of each progress-beat storage call and the cancel bound N = I + 2·D. */
test('the deadline is twice the interval, at least the floor; the cancel bound is I + 2·D', () => {
  expect(progressBeatDeadlineFloorMs).toBe(1000);
  expect(progressBeatBounds(1000)).toEqual({ deadlineMs: 2000, cancelNoticedWithinMs: 5000 }); // the default interval
  expect(progressBeatBounds(100)).toEqual({ deadlineMs: 1000, cancelNoticedWithinMs: 2100 }); // the smallest (floor applies)
  expect(progressBeatBounds(500)).toEqual({ deadlineMs: 1000, cancelNoticedWithinMs: 2500 }); // where 2·I meets the floor
  expect(progressBeatBounds(60_000)).toEqual({ deadlineMs: 120_000, cancelNoticedWithinMs: 300_000 }); // the largest
});
