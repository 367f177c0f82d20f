import test from "ava";
import { closeSync, constants, existsSync, openSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { flockExclusive, flockExclusiveSync } from "../../../src/lib/sys/flock.js";
import { mkfifoSync } from "../../../src/lib/sys/mkfifo.js";
import { AtomicWriteError, writeFileAtomicSync } from "../../../src/lib/sys/fs-atomic.js";
import { run } from "../../helpers/processes.js";
import { tmpDir } from "../../helpers/tmp.js";
test("mkfifo makes FIFOs with the mode, leaves existing paths, reports ENOENT", (t) => {
  const dir = tmpDir(t);
  const a = join(dir, "a");
  writeFileSync(join(dir, "b"), "keep");
  mkfifoSync([a, join(dir, "b")], 384);
  t.true(statSync(a).isFIFO());
  t.is(statSync(a).mode & 511, 384);
  t.is(readFileSync(join(dir, "b"), "utf8"), "keep");
  const error = t.throws(() => mkfifoSync([join(dir, "no", "c")]));
  t.is(error.code, "ENOENT");
});
test("flock excludes a second holder and the real flock(1) sees it", async (t) => {
  const dir = tmpDir(t);
  const path = join(dir, "lock");
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 384);
  t.teardown(() => closeSync(fd));
  t.is(flockExclusiveSync(fd, { nonblocking: true }), "locked");
  const other = openSync(path, constants.O_WRONLY);
  t.teardown(() => closeSync(other));
  t.is(flockExclusiveSync(other, { nonblocking: true }), "busy");
  t.is(await flockExclusive(other, { nonblocking: true }), "busy");
  const outside = await run("flock", ["-x", "-n", "-E", "42", path, "true"]);
  t.is(outside.code, 42);
});
test("flock is released when the holding fd is closed", (t) => {
  const dir = tmpDir(t);
  const path = join(dir, "lock");
  const first = openSync(path, constants.O_WRONLY | constants.O_CREAT, 384);
  t.is(flockExclusiveSync(first, { nonblocking: true }), "locked");
  closeSync(first);
  const second = openSync(path, constants.O_WRONLY);
  t.teardown(() => closeSync(second));
  t.is(flockExclusiveSync(second, { nonblocking: true }), "locked");
});
test("atomic write replaces the file and leaves no .new behind; failures name the step", (t) => {
  const dir = tmpDir(t);
  const path = join(dir, "status");
  writeFileAtomicSync(path, Buffer.from("one"));
  writeFileAtomicSync(path, Buffer.from("two"), { mode: 384 });
  t.is(readFileSync(path, "utf8"), "two");
  t.false(existsSync(`${path}.new`));
  const error = t.throws(() => writeFileAtomicSync(join(dir, "missing", "status"), Buffer.from("x")), { instanceOf: AtomicWriteError });
  t.is(error?.step, "open");
});
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiLi4vLi4vLi4vLi4vdGVzdC9saWIvc3lzL3N5cy50ZXN0LnRzIl0sCiAgInNvdXJjZXNDb250ZW50IjogWyJpbXBvcnQgdGVzdCBmcm9tICdhdmEnO1xuaW1wb3J0IHtjbG9zZVN5bmMsIGNvbnN0YW50cywgZXhpc3RzU3luYywgb3BlblN5bmMsIHJlYWRGaWxlU3luYywgc3RhdFN5bmMsIHdyaXRlRmlsZVN5bmN9IGZyb20gJ25vZGU6ZnMnO1xuaW1wb3J0IHtqb2lufSBmcm9tICdub2RlOnBhdGgnO1xuaW1wb3J0IHtmbG9ja0V4Y2x1c2l2ZSwgZmxvY2tFeGNsdXNpdmVTeW5jfSBmcm9tICcuLi8uLi8uLi9zcmMvbGliL3N5cy9mbG9jay5qcyc7XG5pbXBvcnQge21rZmlmb1N5bmN9IGZyb20gJy4uLy4uLy4uL3NyYy9saWIvc3lzL21rZmlmby5qcyc7XG5pbXBvcnQge0F0b21pY1dyaXRlRXJyb3IsIHdyaXRlRmlsZUF0b21pY1N5bmN9IGZyb20gJy4uLy4uLy4uL3NyYy9saWIvc3lzL2ZzLWF0b21pYy5qcyc7XG5pbXBvcnQge3J1bn0gZnJvbSAnLi4vLi4vaGVscGVycy9wcm9jZXNzZXMuanMnO1xuaW1wb3J0IHt0bXBEaXJ9IGZyb20gJy4uLy4uL2hlbHBlcnMvdG1wLmpzJztcblxudGVzdCgnbWtmaWZvIG1ha2VzIEZJRk9zIHdpdGggdGhlIG1vZGUsIGxlYXZlcyBleGlzdGluZyBwYXRocywgcmVwb3J0cyBFTk9FTlQnLCAodCkgPT4ge1xuICBjb25zdCBkaXIgPSB0bXBEaXIodCk7XG4gIGNvbnN0IGEgPSBqb2luKGRpciwgJ2EnKTtcbiAgd3JpdGVGaWxlU3luYyhqb2luKGRpciwgJ2InKSwgJ2tlZXAnKTtcbiAgbWtmaWZvU3luYyhbYSwgam9pbihkaXIsICdiJyldLCAwbzYwMCk7XG4gIHQudHJ1ZShzdGF0U3luYyhhKS5pc0ZJRk8oKSk7XG4gIHQuaXMoc3RhdFN5bmMoYSkubW9kZSAmIDBvNzc3LCAwbzYwMCk7XG4gIHQuaXMocmVhZEZpbGVTeW5jKGpvaW4oZGlyLCAnYicpLCAndXRmOCcpLCAna2VlcCcpO1xuICBjb25zdCBlcnJvciA9IHQudGhyb3dzKCgpID0+IG1rZmlmb1N5bmMoW2pvaW4oZGlyLCAnbm8nLCAnYycpXSkpO1xuICB0LmlzKChlcnJvciBhcyBOb2RlSlMuRXJybm9FeGNlcHRpb24pLmNvZGUsICdFTk9FTlQnKTtcbn0pO1xuXG50ZXN0KCdmbG9jayBleGNsdWRlcyBhIHNlY29uZCBob2xkZXIgYW5kIHRoZSByZWFsIGZsb2NrKDEpIHNlZXMgaXQnLCBhc3luYyAodCkgPT4ge1xuICBjb25zdCBkaXIgPSB0bXBEaXIodCk7XG4gIGNvbnN0IHBhdGggPSBqb2luKGRpciwgJ2xvY2snKTtcbiAgY29uc3QgZmQgPSBvcGVuU3luYyhwYXRoLCBjb25zdGFudHMuT19XUk9OTFkgfCBjb25zdGFudHMuT19DUkVBVCB8IGNvbnN0YW50cy5PX0FQUEVORCwgMG82MDApO1xuICB0LnRlYXJkb3duKCgpID0+IGNsb3NlU3luYyhmZCkpO1xuICB0LmlzKGZsb2NrRXhjbHVzaXZlU3luYyhmZCwge25vbmJsb2NraW5nOiB0cnVlfSksICdsb2NrZWQnKTtcbiAgY29uc3Qgb3RoZXIgPSBvcGVuU3luYyhwYXRoLCBjb25zdGFudHMuT19XUk9OTFkpO1xuICB0LnRlYXJkb3duKCgpID0+IGNsb3NlU3luYyhvdGhlcikpO1xuICB0LmlzKGZsb2NrRXhjbHVzaXZlU3luYyhvdGhlciwge25vbmJsb2NraW5nOiB0cnVlfSksICdidXN5Jyk7XG4gIHQuaXMoYXdhaXQgZmxvY2tFeGNsdXNpdmUob3RoZXIsIHtub25ibG9ja2luZzogdHJ1ZX0pLCAnYnVzeScpO1xuICBjb25zdCBvdXRzaWRlID0gYXdhaXQgcnVuKCdmbG9jaycsIFsnLXgnLCAnLW4nLCAnLUUnLCAnNDInLCBwYXRoLCAndHJ1ZSddKTtcbiAgdC5pcyhvdXRzaWRlLmNvZGUsIDQyKTtcbn0pO1xuXG50ZXN0KCdmbG9jayBpcyByZWxlYXNlZCB3aGVuIHRoZSBob2xkaW5nIGZkIGlzIGNsb3NlZCcsICh0KSA9PiB7XG4gIGNvbnN0IGRpciA9IHRtcERpcih0KTtcbiAgY29uc3QgcGF0aCA9IGpvaW4oZGlyLCAnbG9jaycpO1xuICBjb25zdCBmaXJzdCA9IG9wZW5TeW5jKHBhdGgsIGNvbnN0YW50cy5PX1dST05MWSB8IGNvbnN0YW50cy5PX0NSRUFULCAwbzYwMCk7XG4gIHQuaXMoZmxvY2tFeGNsdXNpdmVTeW5jKGZpcnN0LCB7bm9uYmxvY2tpbmc6IHRydWV9KSwgJ2xvY2tlZCcpO1xuICBjbG9zZVN5bmMoZmlyc3QpO1xuICBjb25zdCBzZWNvbmQgPSBvcGVuU3luYyhwYXRoLCBjb25zdGFudHMuT19XUk9OTFkpO1xuICB0LnRlYXJkb3duKCgpID0+IGNsb3NlU3luYyhzZWNvbmQpKTtcbiAgdC5pcyhmbG9ja0V4Y2x1c2l2ZVN5bmMoc2Vjb25kLCB7bm9uYmxvY2tpbmc6IHRydWV9KSwgJ2xvY2tlZCcpO1xufSk7XG5cbnRlc3QoJ2F0b21pYyB3cml0ZSByZXBsYWNlcyB0aGUgZmlsZSBhbmQgbGVhdmVzIG5vIC5uZXcgYmVoaW5kOyBmYWlsdXJlcyBuYW1lIHRoZSBzdGVwJywgKHQpID0+IHtcbiAgY29uc3QgZGlyID0gdG1wRGlyKHQpO1xuICBjb25zdCBwYXRoID0gam9pbihkaXIsICdzdGF0dXMnKTtcbiAgd3JpdGVGaWxlQXRvbWljU3luYyhwYXRoLCBCdWZmZXIuZnJvbSgnb25lJykpO1xuICB3cml0ZUZpbGVBdG9taWNTeW5jKHBhdGgsIEJ1ZmZlci5mcm9tKCd0d28nKSwge21vZGU6IDBvNjAwfSk7XG4gIHQuaXMocmVhZEZpbGVTeW5jKHBhdGgsICd1dGY4JyksICd0d28nKTtcbiAgdC5mYWxzZShleGlzdHNTeW5jKGAke3BhdGh9Lm5ld2ApKTtcbiAgY29uc3QgZXJyb3IgPSB0LnRocm93cygoKSA9PiB3cml0ZUZpbGVBdG9taWNTeW5jKGpvaW4oZGlyLCAnbWlzc2luZycsICdzdGF0dXMnKSwgQnVmZmVyLmZyb20oJ3gnKSksIHtpbnN0YW5jZU9mOiBBdG9taWNXcml0ZUVycm9yfSk7XG4gIHQuaXMoZXJyb3I/LnN0ZXAsICdvcGVuJyk7XG59KTtcbiJdLAogICJtYXBwaW5ncyI6ICJBQUFBLE9BQU8sVUFBVTtBQUNqQixTQUFRLFdBQVcsV0FBVyxZQUFZLFVBQVUsY0FBYyxVQUFVLHFCQUFvQjtBQUNoRyxTQUFRLFlBQVc7QUFDbkIsU0FBUSxnQkFBZ0IsMEJBQXlCO0FBQ2pELFNBQVEsa0JBQWlCO0FBQ3pCLFNBQVEsa0JBQWtCLDJCQUEwQjtBQUNwRCxTQUFRLFdBQVU7QUFDbEIsU0FBUSxjQUFhO0FBRXJCLEtBQUssMkVBQTJFLENBQUMsTUFBTTtBQUNyRixRQUFNLE1BQU0sT0FBTyxDQUFDO0FBQ3BCLFFBQU0sSUFBSSxLQUFLLEtBQUssR0FBRztBQUN2QixnQkFBYyxLQUFLLEtBQUssR0FBRyxHQUFHLE1BQU07QUFDcEMsYUFBVyxDQUFDLEdBQUcsS0FBSyxLQUFLLEdBQUcsQ0FBQyxHQUFHLEdBQUs7QUFDckMsSUFBRSxLQUFLLFNBQVMsQ0FBQyxFQUFFLE9BQU8sQ0FBQztBQUMzQixJQUFFLEdBQUcsU0FBUyxDQUFDLEVBQUUsT0FBTyxLQUFPLEdBQUs7QUFDcEMsSUFBRSxHQUFHLGFBQWEsS0FBSyxLQUFLLEdBQUcsR0FBRyxNQUFNLEdBQUcsTUFBTTtBQUNqRCxRQUFNLFFBQVEsRUFBRSxPQUFPLE1BQU0sV0FBVyxDQUFDLEtBQUssS0FBSyxNQUFNLEdBQUcsQ0FBQyxDQUFDLENBQUM7QUFDL0QsSUFBRSxHQUFJLE1BQWdDLE1BQU0sUUFBUTtBQUN0RCxDQUFDO0FBRUQsS0FBSyxnRUFBZ0UsT0FBTyxNQUFNO0FBQ2hGLFFBQU0sTUFBTSxPQUFPLENBQUM7QUFDcEIsUUFBTSxPQUFPLEtBQUssS0FBSyxNQUFNO0FBQzdCLFFBQU0sS0FBSyxTQUFTLE1BQU0sVUFBVSxXQUFXLFVBQVUsVUFBVSxVQUFVLFVBQVUsR0FBSztBQUM1RixJQUFFLFNBQVMsTUFBTSxVQUFVLEVBQUUsQ0FBQztBQUM5QixJQUFFLEdBQUcsbUJBQW1CLElBQUksRUFBQyxhQUFhLEtBQUksQ0FBQyxHQUFHLFFBQVE7QUFDMUQsUUFBTSxRQUFRLFNBQVMsTUFBTSxVQUFVLFFBQVE7QUFDL0MsSUFBRSxTQUFTLE1BQU0sVUFBVSxLQUFLLENBQUM7QUFDakMsSUFBRSxHQUFHLG1CQUFtQixPQUFPLEVBQUMsYUFBYSxLQUFJLENBQUMsR0FBRyxNQUFNO0FBQzNELElBQUUsR0FBRyxNQUFNLGVBQWUsT0FBTyxFQUFDLGFBQWEsS0FBSSxDQUFDLEdBQUcsTUFBTTtBQUM3RCxRQUFNLFVBQVUsTUFBTSxJQUFJLFNBQVMsQ0FBQyxNQUFNLE1BQU0sTUFBTSxNQUFNLE1BQU0sTUFBTSxDQUFDO0FBQ3pFLElBQUUsR0FBRyxRQUFRLE1BQU0sRUFBRTtBQUN2QixDQUFDO0FBRUQsS0FBSyxtREFBbUQsQ0FBQyxNQUFNO0FBQzdELFFBQU0sTUFBTSxPQUFPLENBQUM7QUFDcEIsUUFBTSxPQUFPLEtBQUssS0FBSyxNQUFNO0FBQzdCLFFBQU0sUUFBUSxTQUFTLE1BQU0sVUFBVSxXQUFXLFVBQVUsU0FBUyxHQUFLO0FBQzFFLElBQUUsR0FBRyxtQkFBbUIsT0FBTyxFQUFDLGFBQWEsS0FBSSxDQUFDLEdBQUcsUUFBUTtBQUM3RCxZQUFVLEtBQUs7QUFDZixRQUFNLFNBQVMsU0FBUyxNQUFNLFVBQVUsUUFBUTtBQUNoRCxJQUFFLFNBQVMsTUFBTSxVQUFVLE1BQU0sQ0FBQztBQUNsQyxJQUFFLEdBQUcsbUJBQW1CLFFBQVEsRUFBQyxhQUFhLEtBQUksQ0FBQyxHQUFHLFFBQVE7QUFDaEUsQ0FBQztBQUVELEtBQUssb0ZBQW9GLENBQUMsTUFBTTtBQUM5RixRQUFNLE1BQU0sT0FBTyxDQUFDO0FBQ3BCLFFBQU0sT0FBTyxLQUFLLEtBQUssUUFBUTtBQUMvQixzQkFBb0IsTUFBTSxPQUFPLEtBQUssS0FBSyxDQUFDO0FBQzVDLHNCQUFvQixNQUFNLE9BQU8sS0FBSyxLQUFLLEdBQUcsRUFBQyxNQUFNLElBQUssQ0FBQztBQUMzRCxJQUFFLEdBQUcsYUFBYSxNQUFNLE1BQU0sR0FBRyxLQUFLO0FBQ3RDLElBQUUsTUFBTSxXQUFXLEdBQUcsSUFBSSxNQUFNLENBQUM7QUFDakMsUUFBTSxRQUFRLEVBQUUsT0FBTyxNQUFNLG9CQUFvQixLQUFLLEtBQUssV0FBVyxRQUFRLEdBQUcsT0FBTyxLQUFLLEdBQUcsQ0FBQyxHQUFHLEVBQUMsWUFBWSxpQkFBZ0IsQ0FBQztBQUNsSSxJQUFFLEdBQUcsT0FBTyxNQUFNLE1BQU07QUFDMUIsQ0FBQzsiLAogICJuYW1lcyI6IFtdCn0K
