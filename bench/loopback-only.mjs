// Preloaded (`node --import`) into gateways that have no host option (supergateway 4.0.0 calls
// `app.listen(port)`, which binds every interface). Forces every TCP listen onto 127.0.0.1 so the
// benchmark never exposes a server-everything child (it has tools that read the environment) on
// the network. Listening on a path, a handle or an fd is left alone.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const original = net.Server.prototype.listen;

net.Server.prototype.listen = function listenOnLoopback(...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === 'string') {
      if (!LOOPBACK.has(args[1])) args[1] = '127.0.0.1';
    } else {
      args.splice(1, 0, '127.0.0.1');
    }
  } else if (
    first &&
    typeof first === 'object' &&
    !('_handle' in first) &&
    first.fd === undefined &&
    first.path === undefined
  ) {
    if (first.port !== undefined && !LOOPBACK.has(first.host)) args[0] = { ...first, host: '127.0.0.1' };
  } else if (first === undefined || typeof first === 'function') {
    // listen() / listen(callback): a random port on every interface; keep it on loopback.
    args.unshift(0, '127.0.0.1');
  }
  return original.apply(this, args);
};
