/** Prints what the simulator counted: the cost per million requests line by line, and where it comes from. */
import { PRICES } from './prices';
import type { SimResult } from './sim/simulate';
import { MIX } from './sim/workload';

const usd = (v: number) => `USD ${v.toFixed(4)}`;
const per = (v: number, n: number) => (v / n).toFixed(3);

export function printSimulation(sim: SimResult, say: (line: string) => void): void {
  const { usage, options } = sim;
  const n = usage.apiRequests;
  say(
    `\n  workload (operations, %): ${Object.entries(MIX)
      .map(([op, w]) => `${op} ${w}`)
      .join(', ')}`,
  );
  say(
    `  Zipf s=${options.zipfS} over the customers for staff traffic; portal traffic uniform; ` +
      `instance lifetime ${options.lifetimeMinutes.join('-')} simulated minutes`,
  );
  say(`  measured: ${n} API requests, ${usage.lambdaInvocations} invocations, ${sim.coldStarts} cold starts`);
  say(
    `  per request: ${per(usage.readUnits, n)} RRU, ${per(usage.writeUnits, n)} WRU, ${per(usage.kmsRequests, n)} KMS calls, ` +
      `${(usage.logBytes / n).toFixed(0)} log bytes, ${per(usage.lambdaGbSeconds * 1000, n)} GB-ms`,
  );
  say(`  KMS calls by method: ${JSON.stringify(sim.kmsByMethod)}`);
  say(
    `  request units by table: ${Object.entries(sim.tables)
      .map(([t, c]) => `${t} ${c.readUnits}r/${c.writeUnits}w`)
      .join(', ')}`,
  );
  say('  operations: requests, mean CPU ms, statuses');
  for (const [op, s] of Object.entries(sim.byOp).sort((a, b) => b[1].requests - a[1].requests)) {
    say(
      `    ${op.padEnd(17)} ${String(s.requests).padStart(7)} ` +
        `${(s.cpuMs / s.requests).toFixed(2).padStart(7)}  ${JSON.stringify(s.statuses)}`,
    );
  }
  say(`\n  cost per million API requests (${PRICES.region} list prices, ${PRICES.asOf}):`);
  for (const line of sim.costPerMillion)
    say(`    ${line.item.padEnd(42)} ${usd(line.usd)}${line.listed ? '' : "  (not in the issue's list)"}`);
  say(`    ${"total, the issue's services".padEnd(42)} ${usd(sim.costPerMillionListed)}`);
  say(`    ${'total, everything counted'.padEnd(42)} ${usd(sim.costPerMillionTotal)}`);
  say(
    `  warm read ${sim.warmRead} KMS calls, warm search ${sim.warmSearch}; ` +
      `reminders: ${sim.reminders.itemsRead} items read for ${sim.reminders.due} sent ` +
      `(${sim.reminders.perRun} of them once per run: checkpoint and branch keys)`,
  );
}
