/**
 * Simulated Lambda instances: each one is `createApp` with its own caches (vault, cipher keyrings), as a
 * fresh execution environment would be, over the ports every instance shares (one store, one KMS). Calls
 * go to any instance (no affinity); an instance is recycled once its lifetime in simulated time is over.
 */
import { EsdkFieldCipher } from '../../lambdas/adapters/crypto/esdk-cipher';
import { createApp, type App, type Ports, type Settings } from '../../lambdas/core/app';
import type { Clock } from '../../lambdas/core/shared/ports';
import type { SimClock } from '../counting';

export interface Instance<H> {
  app: App;
  handler: H;
  diesAt: number;
}

export interface FleetOptions<H> {
  size: number;
  /** Lifetime of an instance in simulated minutes, drawn uniformly from [min, max]. */
  lifetimeMinutes: readonly [number, number];
  /** The shared ports; each instance gets its own cipher (its keyring cache). */
  ports: Omit<Ports, 'cipher' | 'clock'>;
  settings: Settings;
  /** The instance's clock (the simulated clock, or one running ahead of it). */
  clock: Clock;
  handlerOf: (app: App) => H;
  random: () => number;
}

export class Fleet<H> {
  readonly instances: Instance<H>[] = [];
  coldStarts = 0;
  /** CPU spent building instances (createApp and the handler): part of each cold start. */
  initCpuMs = 0;

  constructor(
    private readonly sim: SimClock,
    private readonly options: FleetOptions<H>,
  ) {
    // The first instances are of every age already: their ends are spread over one lifetime.
    for (let i = 0; i < options.size; i++) this.instances.push(this.spawn(this.sim.ms + this.options.random() * this.lifetimeMs()));
  }

  /** Any instance (no affinity); a recycled one is replaced by a fresh, cold instance first. */
  pick(): Instance<H> {
    const i = Math.floor(this.options.random() * this.instances.length);
    if (this.instances[i]!.diesAt <= this.sim.ms) {
      this.instances[i] = this.spawn(this.sim.ms + this.lifetimeMs());
      this.coldStarts++;
    }
    return this.instances[i]!;
  }

  resetCounts(): void {
    this.coldStarts = 0;
    this.initCpuMs = 0;
  }

  private lifetimeMs(): number {
    const [min, max] = this.options.lifetimeMinutes;
    return (min + this.options.random() * (max - min)) * 60_000;
  }

  private spawn(diesAt: number): Instance<H> {
    const c0 = process.cpuUsage();
    const { ports, settings, clock, handlerOf } = this.options;
    const app = createApp({ ...ports, cipher: new EsdkFieldCipher(), clock }, settings);
    const handler = handlerOf(app);
    const used = process.cpuUsage(c0);
    this.initCpuMs += (used.user + used.system) / 1000;
    return { app, handler, diesAt };
  }
}
