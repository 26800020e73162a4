/**
 * The Metrics port as CloudWatch embedded metric format (Powertools Metrics): one JSON line per
 * invocation, written to the function's log, turned into metrics by CloudWatch. Namespace `PrivacyCrm`,
 * one dimension, `service` = the deployment (e.g. `crm-prod`): the port carries event names and counts
 * only, so no dimension or value can hold anything personal.
 */
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type BusinessEvent, type Metrics } from '../core/shared/metrics';

export { METRICS_NAMESPACE };

export class EmfMetrics implements Metrics {
  private readonly emf: PowertoolsMetrics;
  private pending = false;

  constructor(options: { service: string; namespace?: string }) {
    this.emf = new PowertoolsMetrics({ namespace: options.namespace ?? METRICS_NAMESPACE, serviceName: options.service });
  }

  count(event: BusinessEvent, n = 1): void {
    if (!(n > 0)) return;
    this.emf.addMetric(event, MetricUnit.Count, n);
    this.pending = true;
  }

  /** Writes what was counted since the last flush (call once per invocation); nothing when nothing was. */
  flush(): void {
    if (!this.pending) return;
    this.pending = false;
    this.emf.publishStoredMetrics();
  }
}
