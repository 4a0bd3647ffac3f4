// The logger our classes are handed: the part of Directus's logger (pino) they call, so tests can
// pass a plain object. Each class takes the methods it uses, as Pick<Logger, ...>.
export interface Logger {
	debug(obj: unknown, msg?: string): void;
	info(obj: unknown, msg?: string): void;
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
}
