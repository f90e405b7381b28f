/** The error Go's time functions return (a bad layout, value, zone or duration). */

export class GoTimeError extends Error {}
