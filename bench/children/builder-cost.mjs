/**
 * The builder microbenchmark in a fresh process (started by bench/run.mjs): a clean heap for every run,
 * and room for `--cpu-prof`. Options (JSON in argv[2]): `sdkPath`, `profile` (run only the builder loop),
 * and the options of `measureBuilderCost`.
 */
import { measureBuilderCost, profileBuilder } from '../lib/builder-cost.mjs';
import { childContext, loadSdk } from '../lib/processes.mjs';

const { options, done, fail } = childContext();
try {
  const { sdkPath, profile, ...rest } = options;
  const sdk = await loadSdk(sdkPath);
  if (profile) done({ checksum: profileBuilder(sdk, rest) });
  else done(measureBuilderCost(sdk, rest));
} catch (error) {
  fail(error);
}
