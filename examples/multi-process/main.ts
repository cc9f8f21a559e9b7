/**
 * A fleet on one machine: this process forks `WORKERS` copies of worker.ts, which share one budget of
 * batches per second over Redis, then prints what each delivered. In production the workers are your
 * replicas (containers, pods, cluster workers); all they share is the Redis URL, the pod and the API key.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 MPARTICLE_API_KEY=… MPARTICLE_API_SECRET=… WORKERS=4 \
 *     node --experimental-strip-types examples/multi-process/main.ts
 *
 * (`scripts/redis.sh start` starts a throwaway Redis and prints its URL.)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Fork `workers` worker processes with `env`, and resolve with each one's last output line. */
export async function runFleet(workers: number, env: Record<string, string>): Promise<string[]> {
  const script = fileURLToPath(new URL('./worker.ts', import.meta.url));
  return Promise.all(
    Array.from({ length: workers }, (_, i) => {
      const child = fork(script, [], {
        env: { ...process.env, ...env, WORKER_NAME: `worker-${i}`, EXPECTED_PROCESSES: String(workers) },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        process.stdout.write(chunk);
      });
      return new Promise<string>((resolve, reject) => {
        child.once('exit', (code) =>
          code === 0
            ? resolve(output.trim().split('\n').at(-1) ?? '')
            : reject(new Error(`worker-${i} exited ${code}`)),
        );
      });
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await runFleet(Number(process.env.WORKERS ?? 4), {});
  console.log(`fleet done:\n${results.join('\n')}`);
}
