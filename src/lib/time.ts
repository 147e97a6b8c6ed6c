/** ISO-8601 UTC timestamp with milliseconds, the format every *_at column uses. */
export const isoNow = (now: Date = new Date()) => now.toISOString();

export const addSeconds = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
