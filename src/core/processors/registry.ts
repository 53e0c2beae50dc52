import type { Processor } from './processor';
import { csvReportProcessor } from './csvReport';

/**
 * The processor registry: job type → processor. To add a job type, implement {@link Processor} and
 * list it here; the submit endpoint, the worker and the OpenAPI document pick it up.
 */
export const processors: ReadonlyMap<string, Processor<any>> = new Map(
  [csvReportProcessor as Processor<any>].map((p) => [p.type, p]),
);

/** The processor of a job type, or undefined when the type is unknown. */
export function getProcessor(type: string): Processor<unknown> | undefined {
  return processors.get(type);
}
