import test from 'ava';
import {OUTPUT_BUFFER_SIZE, OutputBuffer} from '../../../src/lib/log-writer/output-buffer.js';

// The flush points are what decides where multilog cuts files; these pin djb's buffer_put and
// buffer_PUTC behaviour (a sink that takes everything, then one that takes little at a time).
function recorder(limit = Infinity, asyncEvery = 0) {
  const calls: number[] = [];
  let count = 0;
  const sink = (_data: Buffer, _offset: number, length: number) => {
    const taken = Math.min(length, limit);
    calls.push(taken);
    count++;
    return asyncEvery > 0 && count % asyncEvery === 0 ? Promise.resolve(taken) : taken;
  };
  return {calls, sink};
}

const bytes = (n: number) => Buffer.alloc(n, 0x61);

test('puts that fit stay buffered; one that does not flushes first', (t) => {
  const {calls, sink} = recorder();
  const buffer = new OutputBuffer(sink);
  t.is(buffer.put(bytes(300), 0, 300), undefined);
  t.is(buffer.put(bytes(212), 0, 212), undefined);
  t.deepEqual(calls, []);
  void buffer.put(bytes(1), 0, 1);
  t.deepEqual(calls, [OUTPUT_BUFFER_SIZE]);
  t.is(buffer.pending, 1);
});

test('a put larger than the buffer goes straight through after a flush', (t) => {
  const {calls, sink} = recorder();
  const buffer = new OutputBuffer(sink);
  void buffer.put(bytes(10), 0, 10);
  void buffer.put(bytes(1000), 0, 1000);
  t.deepEqual(calls, [10, 1000]);
  t.is(buffer.pending, 0);
  void buffer.put(bytes(8500), 0, 8500);
  t.deepEqual(calls, [10, 1000, 8192], '8192 written, the last 308 buffered');
  t.is(buffer.pending, 308);
});

test('putStream fills the buffer and flushes only when a byte finds it full', (t) => {
  const {calls, sink} = recorder();
  const buffer = new OutputBuffer(sink);
  void buffer.putStream(bytes(1024), 0, 1024);
  t.deepEqual(calls, [512]);
  t.is(buffer.pending, 512);
  void buffer.flush();
  t.deepEqual(calls, [512, 512]);
});

test('a sink that takes part of a chunk is offered the rest, synchronously or not', async (t) => {
  const {calls, sink} = recorder(100, 2);
  const buffer = new OutputBuffer(sink);
  void buffer.put(bytes(400), 0, 400);
  const pending = buffer.flush();
  t.truthy(pending, 'the second call was asynchronous');
  await pending;
  t.deepEqual(calls, [100, 100, 100, 100]);
  t.is(buffer.pending, 0);
});
