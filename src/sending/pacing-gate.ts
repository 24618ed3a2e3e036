import type { PacingPolicy } from '../core/pacing.js';
import type { Redis } from '../infra/redis.js';

/**
 * Asks Redis whether a session may send now, and books the send if so. One Lua script, so any
 * number of workers share one account's pace: a gap of at least `gapMs` since its last message,
 * and rolling hourly and daily caps kept as per-minute and per-hour buckets (bounded memory,
 * whatever the volume).
 *
 * Books up to ARGV[5] sends at once when the gap is 0 (a sandbox at full speed), else one.
 * Returns {granted, waitMs}: waitMs is how long to wait before asking again when nothing was granted.
 */
const RESERVE = `
local now = tonumber(ARGV[1])
local gap = tonumber(ARGV[2])
local hourlyCap = tonumber(ARGV[3])
local dailyCap = tonumber(ARGV[4])
local want = tonumber(ARGV[5])
if gap > 0 then want = 1 end
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if now < last + gap then return {0, last + gap - now} end

local minute = math.floor(now / 60000)
local hour = math.floor(now / 3600000)
local function sum(key, first)
  local total, oldest = 0, nil
  local flat = redis.call('HGETALL', key)
  for i = 1, #flat, 2 do
    local slot, count = tonumber(flat[i]), tonumber(flat[i + 1])
    if slot < first then
      redis.call('HDEL', key, flat[i])
    else
      total = total + count
      if oldest == nil or slot < oldest then oldest = slot end
    end
  end
  return total, oldest
end
local hourly, oldestMinute = sum(KEYS[2], minute - 59)
if hourly >= hourlyCap then return {0, (oldestMinute + 60) * 60000 - now} end
local daily, oldestHour = sum(KEYS[3], hour - 23)
if daily >= dailyCap then return {0, (oldestHour + 24) * 3600000 - now} end
local granted = math.min(want, hourlyCap - hourly, dailyCap - daily)

redis.call('SET', KEYS[1], now, 'PX', math.max(gap, 1000) + 60000)
redis.call('HINCRBY', KEYS[2], minute, granted)
redis.call('PEXPIRE', KEYS[2], 3660000)
redis.call('HINCRBY', KEYS[3], hour, granted)
redis.call('PEXPIRE', KEYS[3], 90000000)
return {granted, 0}`;

export class PacingGate {
  constructor(private readonly redis: Redis) {}

  /**
   * Books a send for the session when its pace allows it. `gapMs` is the delay drawn for this
   * message in [minDelayMs, maxDelayMs] by the caller (so tests can fix it).
   */
  async reserve(sessionId: string, policy: Pick<PacingPolicy, 'hourlyCap' | 'dailyCap'>, gapMs: number, nowMs: number, dailyCap = policy.dailyCap): Promise<number> {
    const { granted, waitMs } = await this.reserveMany(sessionId, policy, gapMs, nowMs, dailyCap, 1);
    return granted > 0 ? 0 : waitMs;
  }

  /**
   * Books up to `count` sends when the gap is 0, else one. `granted` may be fewer than asked
   * (the caps); when it is 0, `waitMs` says how long until asking again makes sense.
   */
  async reserveMany(
    sessionId: string,
    policy: Pick<PacingPolicy, 'hourlyCap' | 'dailyCap'>,
    gapMs: number,
    nowMs: number,
    dailyCap: number,
    count: number,
  ): Promise<{ granted: number; waitMs: number }> {
    const result = (await this.redis.eval(
      RESERVE,
      3,
      `pacing:${sessionId}:last`,
      `pacing:${sessionId}:minutes`,
      `pacing:${sessionId}:hours`,
      String(nowMs),
      String(gapMs),
      String(policy.hourlyCap),
      String(dailyCap),
      String(Math.max(1, count)),
    )) as [number, number];
    return { granted: result[0], waitMs: result[1] };
  }

  /** Sends booked in the last hour and day (rolling, to the minute and the hour). */
  async usage(sessionId: string, nowMs: number): Promise<{ lastHour: number; lastDay: number }> {
    const [minutes, hours] = await Promise.all([
      this.redis.hgetall(`pacing:${sessionId}:minutes`),
      this.redis.hgetall(`pacing:${sessionId}:hours`),
    ]);
    const minute = Math.floor(nowMs / 60_000);
    const hour = Math.floor(nowMs / 3_600_000);
    const total = (buckets: Record<string, string>, first: number): number =>
      Object.entries(buckets).reduce((sum, [slot, count]) => (Number(slot) >= first ? sum + Number(count) : sum), 0);
    return { lastHour: total(minutes, minute - 59), lastDay: total(hours, hour - 23) };
  }
}
