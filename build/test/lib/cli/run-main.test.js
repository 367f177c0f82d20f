import test from "ava";
import { describe } from "../../../src/lib/cli/run-main.js";
import { FatalError, SysError, UsageError } from "../../../src/lib/cli/errors.js";
import { GetoptError } from "../../../src/lib/cli/getopt.js";
import { errnoText } from "../../../src/lib/cli/errno-text.js";
function enoent() {
  const error = new Error("x");
  error.code = "ENOENT";
  return error;
}
test("message grammar", (t) => {
  t.is(describe("supervise", new SysError("chdir to x", enoent())), "supervise: fatal: unable to chdir to x: file does not exist\n");
  t.is(describe("svok", new UsageError("svok dir")), "svok: usage: svok dir\n");
  t.is(
    describe("svc", new UsageError("svc options: u up", { bare: true, preface: ["svc: illegal option -- z\n"] })),
    "svc: illegal option -- z\nsvc options: u up\n"
  );
  t.is(describe("fghack", new FatalError("child crashed")), "fghack: fatal: child crashed\n");
  t.is(describe("x", new GetoptError("x: illegal option -- q\n")), "x: illegal option -- q\n");
});
test("exit codes carried by errors", (t) => {
  t.is(new UsageError("u").exitCode, 100);
  t.is(new SysError("x", enoent()).exitCode, 111);
  t.is(new FatalError("x", 100).exitCode, 100);
});
test("djb errno texts", (t) => {
  t.is(errnoText("EAGAIN"), "temporary failure");
  t.is(errnoText("ENXIO"), "device not configured");
  t.is(errnoText("EWHATEVER"), "unknown error");
  t.is(errnoText(void 0), "unknown error");
});
//# sourceMappingURL=data:application/json;base64,ewogICJ2ZXJzaW9uIjogMywKICAic291cmNlcyI6IFsiLi4vLi4vLi4vLi4vdGVzdC9saWIvY2xpL3J1bi1tYWluLnRlc3QudHMiXSwKICAic291cmNlc0NvbnRlbnQiOiBbImltcG9ydCB0ZXN0IGZyb20gJ2F2YSc7XG5pbXBvcnQge2Rlc2NyaWJlfSBmcm9tICcuLi8uLi8uLi9zcmMvbGliL2NsaS9ydW4tbWFpbi5qcyc7XG5pbXBvcnQge0ZhdGFsRXJyb3IsIFN5c0Vycm9yLCBVc2FnZUVycm9yfSBmcm9tICcuLi8uLi8uLi9zcmMvbGliL2NsaS9lcnJvcnMuanMnO1xuaW1wb3J0IHtHZXRvcHRFcnJvcn0gZnJvbSAnLi4vLi4vLi4vc3JjL2xpYi9jbGkvZ2V0b3B0LmpzJztcbmltcG9ydCB7ZXJybm9UZXh0fSBmcm9tICcuLi8uLi8uLi9zcmMvbGliL2NsaS9lcnJuby10ZXh0LmpzJztcblxuZnVuY3Rpb24gZW5vZW50KCk6IE5vZGVKUy5FcnJub0V4Y2VwdGlvbiB7XG4gIGNvbnN0IGVycm9yOiBOb2RlSlMuRXJybm9FeGNlcHRpb24gPSBuZXcgRXJyb3IoJ3gnKTtcbiAgZXJyb3IuY29kZSA9ICdFTk9FTlQnO1xuICByZXR1cm4gZXJyb3I7XG59XG5cbnRlc3QoJ21lc3NhZ2UgZ3JhbW1hcicsICh0KSA9PiB7XG4gIHQuaXMoZGVzY3JpYmUoJ3N1cGVydmlzZScsIG5ldyBTeXNFcnJvcignY2hkaXIgdG8geCcsIGVub2VudCgpKSksICdzdXBlcnZpc2U6IGZhdGFsOiB1bmFibGUgdG8gY2hkaXIgdG8geDogZmlsZSBkb2VzIG5vdCBleGlzdFxcbicpO1xuICB0LmlzKGRlc2NyaWJlKCdzdm9rJywgbmV3IFVzYWdlRXJyb3IoJ3N2b2sgZGlyJykpLCAnc3ZvazogdXNhZ2U6IHN2b2sgZGlyXFxuJyk7XG4gIHQuaXMoXG4gICAgZGVzY3JpYmUoJ3N2YycsIG5ldyBVc2FnZUVycm9yKCdzdmMgb3B0aW9uczogdSB1cCcsIHtiYXJlOiB0cnVlLCBwcmVmYWNlOiBbJ3N2YzogaWxsZWdhbCBvcHRpb24gLS0gelxcbiddfSkpLFxuICAgICdzdmM6IGlsbGVnYWwgb3B0aW9uIC0tIHpcXG5zdmMgb3B0aW9uczogdSB1cFxcbicsXG4gICk7XG4gIHQuaXMoZGVzY3JpYmUoJ2ZnaGFjaycsIG5ldyBGYXRhbEVycm9yKCdjaGlsZCBjcmFzaGVkJykpLCAnZmdoYWNrOiBmYXRhbDogY2hpbGQgY3Jhc2hlZFxcbicpO1xuICB0LmlzKGRlc2NyaWJlKCd4JywgbmV3IEdldG9wdEVycm9yKCd4OiBpbGxlZ2FsIG9wdGlvbiAtLSBxXFxuJykpLCAneDogaWxsZWdhbCBvcHRpb24gLS0gcVxcbicpO1xufSk7XG5cbnRlc3QoJ2V4aXQgY29kZXMgY2FycmllZCBieSBlcnJvcnMnLCAodCkgPT4ge1xuICB0LmlzKG5ldyBVc2FnZUVycm9yKCd1JykuZXhpdENvZGUsIDEwMCk7XG4gIHQuaXMobmV3IFN5c0Vycm9yKCd4JywgZW5vZW50KCkpLmV4aXRDb2RlLCAxMTEpO1xuICB0LmlzKG5ldyBGYXRhbEVycm9yKCd4JywgMTAwKS5leGl0Q29kZSwgMTAwKTtcbn0pO1xuXG50ZXN0KCdkamIgZXJybm8gdGV4dHMnLCAodCkgPT4ge1xuICB0LmlzKGVycm5vVGV4dCgnRUFHQUlOJyksICd0ZW1wb3JhcnkgZmFpbHVyZScpO1xuICB0LmlzKGVycm5vVGV4dCgnRU5YSU8nKSwgJ2RldmljZSBub3QgY29uZmlndXJlZCcpO1xuICB0LmlzKGVycm5vVGV4dCgnRVdIQVRFVkVSJyksICd1bmtub3duIGVycm9yJyk7XG4gIHQuaXMoZXJybm9UZXh0KHVuZGVmaW5lZCksICd1bmtub3duIGVycm9yJyk7XG59KTtcbiJdLAogICJtYXBwaW5ncyI6ICJBQUFBLE9BQU8sVUFBVTtBQUNqQixTQUFRLGdCQUFlO0FBQ3ZCLFNBQVEsWUFBWSxVQUFVLGtCQUFpQjtBQUMvQyxTQUFRLG1CQUFrQjtBQUMxQixTQUFRLGlCQUFnQjtBQUV4QixTQUFTLFNBQWdDO0FBQ3ZDLFFBQU0sUUFBK0IsSUFBSSxNQUFNLEdBQUc7QUFDbEQsUUFBTSxPQUFPO0FBQ2IsU0FBTztBQUNUO0FBRUEsS0FBSyxtQkFBbUIsQ0FBQyxNQUFNO0FBQzdCLElBQUUsR0FBRyxTQUFTLGFBQWEsSUFBSSxTQUFTLGNBQWMsT0FBTyxDQUFDLENBQUMsR0FBRywrREFBK0Q7QUFDakksSUFBRSxHQUFHLFNBQVMsUUFBUSxJQUFJLFdBQVcsVUFBVSxDQUFDLEdBQUcseUJBQXlCO0FBQzVFLElBQUU7QUFBQSxJQUNBLFNBQVMsT0FBTyxJQUFJLFdBQVcscUJBQXFCLEVBQUMsTUFBTSxNQUFNLFNBQVMsQ0FBQyw0QkFBNEIsRUFBQyxDQUFDLENBQUM7QUFBQSxJQUMxRztBQUFBLEVBQ0Y7QUFDQSxJQUFFLEdBQUcsU0FBUyxVQUFVLElBQUksV0FBVyxlQUFlLENBQUMsR0FBRyxnQ0FBZ0M7QUFDMUYsSUFBRSxHQUFHLFNBQVMsS0FBSyxJQUFJLFlBQVksMEJBQTBCLENBQUMsR0FBRywwQkFBMEI7QUFDN0YsQ0FBQztBQUVELEtBQUssZ0NBQWdDLENBQUMsTUFBTTtBQUMxQyxJQUFFLEdBQUcsSUFBSSxXQUFXLEdBQUcsRUFBRSxVQUFVLEdBQUc7QUFDdEMsSUFBRSxHQUFHLElBQUksU0FBUyxLQUFLLE9BQU8sQ0FBQyxFQUFFLFVBQVUsR0FBRztBQUM5QyxJQUFFLEdBQUcsSUFBSSxXQUFXLEtBQUssR0FBRyxFQUFFLFVBQVUsR0FBRztBQUM3QyxDQUFDO0FBRUQsS0FBSyxtQkFBbUIsQ0FBQyxNQUFNO0FBQzdCLElBQUUsR0FBRyxVQUFVLFFBQVEsR0FBRyxtQkFBbUI7QUFDN0MsSUFBRSxHQUFHLFVBQVUsT0FBTyxHQUFHLHVCQUF1QjtBQUNoRCxJQUFFLEdBQUcsVUFBVSxXQUFXLEdBQUcsZUFBZTtBQUM1QyxJQUFFLEdBQUcsVUFBVSxNQUFTLEdBQUcsZUFBZTtBQUM1QyxDQUFDOyIsCiAgIm5hbWVzIjogW10KfQo=
