import test from "ava";
import { getopt, GetoptError } from "../../../src/lib/cli/getopt.js";
test("flags in order, grouped, duplicates kept", (t) => {
  const parsed = getopt("svc", ["-uuhd", "-x", "a", "b"], "udopchaitkx");
  t.deepEqual(parsed.options.map((o) => o.option).join(""), "uuhdx");
  t.deepEqual(parsed.operands, ["a", "b"]);
});
test("option arguments attached and separate", (t) => {
  const parsed = getopt("/usr/bin/softlimit", ["-o12", "-m", "=", "prog", "-o", "3"], "o:m:");
  t.deepEqual(parsed.options, [{ option: "o", value: "12" }, { option: "m", value: "=" }]);
  t.deepEqual(parsed.operands, ["prog", "-o", "3"]);
});
test("-- ends options and a lone - is an operand", (t) => {
  t.deepEqual(getopt("x", ["-n", "--", "-x", "y"], "nx").operands, ["-x", "y"]);
  t.deepEqual(getopt("x", ["-", "-n"], "n").operands, ["-", "-n"]);
});
test("unknown option and missing argument use sgetopt wording with the basename", (t) => {
  const bad = t.throws(() => getopt("/usr/bin/svc", ["-z"], "udo"), { instanceOf: GetoptError });
  t.is(bad?.line, "svc: illegal option -- z\n");
  const missing = t.throws(() => getopt("softlimit", ["-o"], "o:"), { instanceOf: GetoptError });
  t.is(missing?.line, "softlimit: option requires an argument -- o\n");
});
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiLi4vLi4vLi4vLi4vdGVzdC9saWIvY2xpL2dldG9wdC50ZXN0LnRzIl0sCiAgInNvdXJjZXNDb250ZW50IjogWyJpbXBvcnQgdGVzdCBmcm9tICdhdmEnO1xuaW1wb3J0IHtnZXRvcHQsIEdldG9wdEVycm9yfSBmcm9tICcuLi8uLi8uLi9zcmMvbGliL2NsaS9nZXRvcHQuanMnO1xuXG50ZXN0KCdmbGFncyBpbiBvcmRlciwgZ3JvdXBlZCwgZHVwbGljYXRlcyBrZXB0JywgKHQpID0+IHtcbiAgY29uc3QgcGFyc2VkID0gZ2V0b3B0KCdzdmMnLCBbJy11dWhkJywgJy14JywgJ2EnLCAnYiddLCAndWRvcGNoYWl0a3gnKTtcbiAgdC5kZWVwRXF1YWwocGFyc2VkLm9wdGlvbnMubWFwKChvKSA9PiBvLm9wdGlvbikuam9pbignJyksICd1dWhkeCcpO1xuICB0LmRlZXBFcXVhbChwYXJzZWQub3BlcmFuZHMsIFsnYScsICdiJ10pO1xufSk7XG5cbnRlc3QoJ29wdGlvbiBhcmd1bWVudHMgYXR0YWNoZWQgYW5kIHNlcGFyYXRlJywgKHQpID0+IHtcbiAgY29uc3QgcGFyc2VkID0gZ2V0b3B0KCcvdXNyL2Jpbi9zb2Z0bGltaXQnLCBbJy1vMTInLCAnLW0nLCAnPScsICdwcm9nJywgJy1vJywgJzMnXSwgJ286bTonKTtcbiAgdC5kZWVwRXF1YWwocGFyc2VkLm9wdGlvbnMsIFt7b3B0aW9uOiAnbycsIHZhbHVlOiAnMTInfSwge29wdGlvbjogJ20nLCB2YWx1ZTogJz0nfV0pO1xuICB0LmRlZXBFcXVhbChwYXJzZWQub3BlcmFuZHMsIFsncHJvZycsICctbycsICczJ10pO1xufSk7XG5cbnRlc3QoJy0tIGVuZHMgb3B0aW9ucyBhbmQgYSBsb25lIC0gaXMgYW4gb3BlcmFuZCcsICh0KSA9PiB7XG4gIHQuZGVlcEVxdWFsKGdldG9wdCgneCcsIFsnLW4nLCAnLS0nLCAnLXgnLCAneSddLCAnbngnKS5vcGVyYW5kcywgWycteCcsICd5J10pO1xuICB0LmRlZXBFcXVhbChnZXRvcHQoJ3gnLCBbJy0nLCAnLW4nXSwgJ24nKS5vcGVyYW5kcywgWyctJywgJy1uJ10pO1xufSk7XG5cbnRlc3QoJ3Vua25vd24gb3B0aW9uIGFuZCBtaXNzaW5nIGFyZ3VtZW50IHVzZSBzZ2V0b3B0IHdvcmRpbmcgd2l0aCB0aGUgYmFzZW5hbWUnLCAodCkgPT4ge1xuICBjb25zdCBiYWQgPSB0LnRocm93cygoKSA9PiBnZXRvcHQoJy91c3IvYmluL3N2YycsIFsnLXonXSwgJ3VkbycpLCB7aW5zdGFuY2VPZjogR2V0b3B0RXJyb3J9KTtcbiAgdC5pcyhiYWQ/LmxpbmUsICdzdmM6IGlsbGVnYWwgb3B0aW9uIC0tIHpcXG4nKTtcbiAgY29uc3QgbWlzc2luZyA9IHQudGhyb3dzKCgpID0+IGdldG9wdCgnc29mdGxpbWl0JywgWyctbyddLCAnbzonKSwge2luc3RhbmNlT2Y6IEdldG9wdEVycm9yfSk7XG4gIHQuaXMobWlzc2luZz8ubGluZSwgJ3NvZnRsaW1pdDogb3B0aW9uIHJlcXVpcmVzIGFuIGFyZ3VtZW50IC0tIG9cXG4nKTtcbn0pO1xuIl0sCiAgIm1hcHBpbmdzIjogIkFBQUEsT0FBTyxVQUFVO0FBQ2pCLFNBQVEsUUFBUSxtQkFBa0I7QUFFbEMsS0FBSyw0Q0FBNEMsQ0FBQyxNQUFNO0FBQ3RELFFBQU0sU0FBUyxPQUFPLE9BQU8sQ0FBQyxTQUFTLE1BQU0sS0FBSyxHQUFHLEdBQUcsYUFBYTtBQUNyRSxJQUFFLFVBQVUsT0FBTyxRQUFRLElBQUksQ0FBQyxNQUFNLEVBQUUsTUFBTSxFQUFFLEtBQUssRUFBRSxHQUFHLE9BQU87QUFDakUsSUFBRSxVQUFVLE9BQU8sVUFBVSxDQUFDLEtBQUssR0FBRyxDQUFDO0FBQ3pDLENBQUM7QUFFRCxLQUFLLDBDQUEwQyxDQUFDLE1BQU07QUFDcEQsUUFBTSxTQUFTLE9BQU8sc0JBQXNCLENBQUMsUUFBUSxNQUFNLEtBQUssUUFBUSxNQUFNLEdBQUcsR0FBRyxNQUFNO0FBQzFGLElBQUUsVUFBVSxPQUFPLFNBQVMsQ0FBQyxFQUFDLFFBQVEsS0FBSyxPQUFPLEtBQUksR0FBRyxFQUFDLFFBQVEsS0FBSyxPQUFPLElBQUcsQ0FBQyxDQUFDO0FBQ25GLElBQUUsVUFBVSxPQUFPLFVBQVUsQ0FBQyxRQUFRLE1BQU0sR0FBRyxDQUFDO0FBQ2xELENBQUM7QUFFRCxLQUFLLDhDQUE4QyxDQUFDLE1BQU07QUFDeEQsSUFBRSxVQUFVLE9BQU8sS0FBSyxDQUFDLE1BQU0sTUFBTSxNQUFNLEdBQUcsR0FBRyxJQUFJLEVBQUUsVUFBVSxDQUFDLE1BQU0sR0FBRyxDQUFDO0FBQzVFLElBQUUsVUFBVSxPQUFPLEtBQUssQ0FBQyxLQUFLLElBQUksR0FBRyxHQUFHLEVBQUUsVUFBVSxDQUFDLEtBQUssSUFBSSxDQUFDO0FBQ2pFLENBQUM7QUFFRCxLQUFLLDZFQUE2RSxDQUFDLE1BQU07QUFDdkYsUUFBTSxNQUFNLEVBQUUsT0FBTyxNQUFNLE9BQU8sZ0JBQWdCLENBQUMsSUFBSSxHQUFHLEtBQUssR0FBRyxFQUFDLFlBQVksWUFBVyxDQUFDO0FBQzNGLElBQUUsR0FBRyxLQUFLLE1BQU0sNEJBQTRCO0FBQzVDLFFBQU0sVUFBVSxFQUFFLE9BQU8sTUFBTSxPQUFPLGFBQWEsQ0FBQyxJQUFJLEdBQUcsSUFBSSxHQUFHLEVBQUMsWUFBWSxZQUFXLENBQUM7QUFDM0YsSUFBRSxHQUFHLFNBQVMsTUFBTSwrQ0FBK0M7QUFDckUsQ0FBQzsiLAogICJuYW1lcyI6IFtdCn0K
