import { csvReportProcessor } from './csvReport';
import type { Processor } from './processor';

/**
 * The processor registry: job type → processor. To add a job type, implement {@link Processor} and
 * list it here; the submit endpoint, the worker and the OpenAPI document pick it up.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- processors with different option types share one map; Processor<unknown> would not accept them (options are contravariant in run)
export const processors: ReadonlyMap<string, Processor<any>> = new Map([csvReportProcessor as Processor<any>].map((p) => [p.type, p]));

/** The processor of a job type, or undefined when the type is unknown. */
export function getProcessor(type: string): Processor<unknown> | undefined {
  return processors.get(type);
}
