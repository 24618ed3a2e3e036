/**
 * The buckets of a blast's chart of sends and receipts over time: bucket starts are whole multiples
 * of the bucket size (so they fall on round times), and the default size keeps the chart to at most
 * TARGET_BUCKETS points however long the blast ran.
 */

export const TARGET_BUCKETS = 120;
/** A size asked for explicitly is raised if it would make more buckets than this. */
export const MAX_BUCKETS = 1_000;
export const MAX_BUCKET_SECONDS = 30 * 86_400;

const NICE_SIZES = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 2 * 86_400, 7 * 86_400, 14 * 86_400, 30 * 86_400];

export interface TimelineRange {
  bucketSeconds: number;
  /** Unix seconds of the first bucket's start. */
  fromSeconds: number;
  /** How many buckets cover [start, end]. */
  count: number;
}

function rangeOf(startSeconds: number, endSeconds: number, bucketSeconds: number): TimelineRange {
  const fromSeconds = Math.floor(startSeconds / bucketSeconds) * bucketSeconds;
  return { bucketSeconds, fromSeconds, count: Math.floor((endSeconds - fromSeconds) / bucketSeconds) + 1 };
}

/** The buckets covering [startSeconds, endSeconds] (Unix seconds): of the size asked for, or the smallest round size giving ≤ TARGET_BUCKETS. */
export function timelineRange(startSeconds: number, endSeconds: number, requestedBucketSeconds?: number): TimelineRange {
  const start = Math.floor(startSeconds);
  const end = Math.max(start, Math.floor(endSeconds));
  if (requestedBucketSeconds !== undefined) {
    const asked = rangeOf(start, end, Math.max(1, Math.floor(requestedBucketSeconds)));
    if (asked.count <= MAX_BUCKETS) return asked;
    // At most (span / size) + 2 buckets whatever the alignment.
    return rangeOf(start, end, Math.ceil((end - start) / (MAX_BUCKETS - 2)));
  }
  for (const size of NICE_SIZES) {
    const range = rangeOf(start, end, size);
    if (range.count <= TARGET_BUCKETS) return range;
  }
  const days = Math.ceil((end - start) / (TARGET_BUCKETS - 2) / 86_400);
  return rangeOf(start, end, days * 86_400);
}

/** Where a timestamp falls, kept inside the range (clock skew must not lose a receipt). */
export function clampBucket(index: number, range: TimelineRange): number {
  return Math.min(Math.max(0, index), range.count - 1);
}
