/**
 * CONTINUUM_EXIT_WITH_PID=<pid>: call `stop` once that process is gone. Supervisors that cannot always
 * stop their children (a test runner timing a file out, a launcher killed with -9, a node running a
 * scheduled drill) set it, so no orphan keeps serving, heartbeating, driving load or holding connections.
 */
export function watchParent(stop: () => void, env: NodeJS.ProcessEnv = process.env): void {
  const pid = Number(env.CONTINUUM_EXIT_WITH_PID);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      stop();
    }
  }, 1000);
  timer.unref();
}
