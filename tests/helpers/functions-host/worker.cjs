'use strict';
/**
 * Stand-in for the Azure Functions Node.js language worker (Azure/azure-functions-nodejs-worker,
 * worker version 3.9.1 at the mirrored commit), run by the stand-in host in ./host.ts as
 * `node worker.cjs --functions-uri ... --functions-worker-id ... --functions-request-id ...`
 * with the app folder as its working directory.
 *
 * It is CommonJS, as the real worker bundle is, and does what the real worker does, in the same
 * order, with the same data; only the transport differs: Node IPC messages carrying the gRPC
 * `StreamingMessage` shapes (field names of azure-functions-language-worker-protobuf) instead of
 * a gRPC stream. Each behaviour names the worker file it follows.
 *
 * Not reproduced: legacy (function.json) indexing, the worker's bundled default programming
 * model (src/setupCoreModule.ts requires its own `@azure/functions` and calls `setup()`; every
 * v4 app replaces it with its own model on its first registration), globs in package.json
 * `main` (src/startApp.ts uses globby; a plain path here), shared memory transfer, placeholder
 * specialization (functionEnvironmentReloadRequest), log hooks (not in the mirrored worker either).
 */
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const url = require('node:url');
const util = require('node:util');

const WORKER_VERSION = '3.9.1'; // src/constants.ts

// ---------------------------------------------------------------------------------------------
// src/errors.ts
class AzFuncSystemError extends Error {
  constructor(message) {
    super(message);
    this.isAzureFunctionsSystemError = true;
  }
}
class AzFuncRangeError extends RangeError {
  constructor(message) {
    super(message);
    this.isAzureFunctionsSystemError = true;
  }
}
class ReadOnlyError extends TypeError {
  constructor(name) {
    super(`Cannot assign to read only property '${name}'`);
    this.isAzureFunctionsSystemError = true;
  }
}
/**
 * A hook's context (worker src/hooks/*Context): what the worker owns is exposed read-only (a
 * hook assigning it gets ReadOnlyError), the hook's own fields are plain properties.
 */
function hookContext(readOnly, fields = {}) {
  const context = { ...fields };
  for (const [name, get] of Object.entries(readOnly)) {
    Object.defineProperty(context, name, {
      get,
      set() {
        throw new ReadOnlyError(name);
      },
      enumerable: true,
    });
  }
  return context;
}
function ensureErrorType(err) {
  if (err instanceof Error) return err;
  const error = new Error(typeof err === 'string' ? err : util.inspect(err));
  return error;
}

// ---------------------------------------------------------------------------------------------
// src/Disposable.ts
class Disposable {
  #callOnDispose;
  constructor(callOnDispose) {
    this.#callOnDispose = callOnDispose;
  }
  static from(...items) {
    let disposables = items;
    return new Disposable(() => {
      if (disposables) for (const d of disposables) if (d && typeof d.dispose === 'function') d.dispose();
      disposables = undefined;
    });
  }
  dispose() {
    if (typeof this.#callOnDispose === 'function') {
      this.#callOnDispose();
      this.#callOnDispose = undefined;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// src/AppContext.ts + src/WorkerContext.ts
function newAppContext() {
  return {
    packageJson: {},
    appHookData: {},
    appLevelOnlyHookData: {},
    programmingModel: undefined,
    preInvocationHooks: [],
    postInvocationHooks: [],
    appStartHooks: [],
    appTerminateHooks: [],
    functions: {},
    workerIndexingLocked: false,
    isUsingWorkerIndexing: false,
    currentEntryPoint: undefined,
    blockingAppStartError: undefined,
  };
}
const worker = { id: undefined, hostVersion: undefined, app: newAppContext(), defaultProgrammingModel: undefined };

/** The event stream: the host's IPC channel (src/GrpcClient.ts's gRPC duplex stream in the real worker). */
function write(message) {
  if (process.connected) process.send(message);
}

/** src/WorkerContext.ts `log`: an `rpcLog` message to the host. */
function workerLog(log) {
  write({ rpcLog: log });
}

// src/coreApi/converters/fromCoreStatusResult.ts: core names are already the rpc names, lower-cased.
const LOG_LEVELS = new Set(['trace', 'debug', 'information', 'warning', 'error', 'critical', 'none']);
function coreApiLog(level, category, message) {
  // src/coreApi/coreApiLog.ts
  if (!LOG_LEVELS.has(level)) throw new AzFuncRangeError(`Unexpected value "${level}" for enum "CoreRpcLogLevel"`);
  workerLog({ message, level, logCategory: category });
}

// ---------------------------------------------------------------------------------------------
// src/hooks/getHooks.ts, registerHook.ts, executeHooks.ts
function getHooks(hookName) {
  switch (hookName) {
    case 'preInvocation':
      return worker.app.preInvocationHooks;
    case 'postInvocation':
      return worker.app.postInvocationHooks;
    case 'appStart':
      return worker.app.appStartHooks;
    case 'appTerminate':
      return worker.app.appTerminateHooks;
    default:
      throw new AzFuncRangeError(`Unrecognized hook "${hookName}"`);
  }
}
function registerHook(hookName, callback) {
  const hooks = getHooks(hookName);
  hooks.push(callback);
  return new Disposable(() => {
    const index = hooks.indexOf(callback);
    if (index > -1) hooks.splice(index, 1);
  });
}
async function executeHooks(hookName, context, invocationId, msgCategory) {
  const callbacks = getHooks(hookName);
  if (callbacks.length > 0) {
    workerLog({
      message: `Executing ${callbacks.length} "${hookName}" hooks`,
      level: 'debug',
      logCategory: 'system',
      invocationId,
      category: msgCategory,
    });
    for (const callback of callbacks) await callback(context);
    workerLog({
      message: `Executed "${hookName}" hooks`,
      level: 'debug',
      logCategory: 'system',
      invocationId,
      category: msgCategory,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// src/coreApi/setProgrammingModel.ts
function setProgrammingModel(programmingModel) {
  if (worker.app.programmingModel) {
    workerLog({
      message: `Setting Node.js programming model to "${programmingModel.name}" version "${programmingModel.version}"`,
      level: 'information',
      logCategory: 'system',
    });
  } else {
    worker.defaultProgrammingModel = programmingModel;
  }
  worker.app.programmingModel = programmingModel;
}

// src/coreApi/registerFunction.ts
function registerFunction(metadata, callback) {
  if (worker.app.workerIndexingLocked)
    throw new AzFuncSystemError('A function can only be registered during app startup.');
  worker.app.isUsingWorkerIndexing = true;
  const functionId = metadata.functionId || metadata.name;
  if (functionId in worker.app.functions)
    throw new AzFuncSystemError(`A function with id "${functionId}" has already been registered.`);
  const rpcMetadata = { ...metadata, functionId };
  // `rawBindings` is what the host actually uses.
  rpcMetadata.rawBindings = Object.entries(metadata.bindings).map(([name, binding]) =>
    JSON.stringify({ ...binding, name }),
  );
  if (worker.app.currentEntryPoint) {
    rpcMetadata.scriptFile = path.basename(worker.app.currentEntryPoint);
    rpcMetadata.directory = path.dirname(worker.app.currentEntryPoint);
  } else {
    rpcMetadata.scriptFile = 'unknown';
  }
  worker.app.functions[functionId] = { metadata: rpcMetadata, callback };
  return new Disposable(() => {
    if (worker.app.workerIndexingLocked)
      throw new AzFuncSystemError('A function can only be disposed during app startup.');
    delete worker.app.functions[functionId];
  });
}

// ---------------------------------------------------------------------------------------------
// src/setupCoreModule.ts: `@azure/functions-core` exists only inside the worker, provided by
// intercepting `require`. The library (CommonJS, also when the app imports it as ESM) reaches it
// with `require('@azure/functions-core')` (src/utils/tryGetCoreApiLazy.ts).
function setupCoreModule() {
  const coreApi = {
    version: WORKER_VERSION,
    get hostVersion() {
      if (!worker.hostVersion) throw new AzFuncSystemError('Cannot access hostVersion before worker init');
      return worker.hostVersion;
    },
    registerHook,
    setProgrammingModel,
    getProgrammingModel: () => worker.app.programmingModel,
    log: coreApiLog,
    registerFunction,
    Disposable,
  };
  Module.prototype.require = new Proxy(Module.prototype.require, {
    apply(target, thisArg, argArray) {
      if (argArray[0] === '@azure/functions-core') return coreApi;
      return Reflect.apply(target, thisArg, argArray);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// src/parsers/parsePackageJson.ts
function parsePackageJson(dir) {
  const filePath = path.join(dir, 'package.json');
  if (!fs.existsSync(filePath)) throw new AzFuncSystemError('file does not exist');
  let data;
  try {
    data = JSON.parse(fs.readFileSync(filePath, 'utf8'));
  } catch (error) {
    error.message = `file content is not valid JSON: ${error.message}`;
    throw error;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new AzFuncSystemError('file content is not an object');
  for (const field of ['main', 'type']) if (field in data && typeof data[field] !== 'string') delete data[field];
  return data;
}

// src/loadScriptFile.ts: ESM by extension or package.json `type`, loaded with import().
function isESModule(filePath, packageJson) {
  if (filePath.endsWith('.mjs')) return true;
  if (filePath.endsWith('.cjs')) return false;
  return packageJson.type === 'module';
}
async function loadScriptFile(filePath, packageJson) {
  if (isESModule(filePath, packageJson)) return import(url.pathToFileURL(filePath).href);
  return require(filePath);
}

// src/startApp.ts
async function startApp(functionAppDirectory) {
  try {
    worker.app.packageJson = parsePackageJson(functionAppDirectory);
  } catch (err) {
    workerLog({
      message: `Worker failed to load package.json: ${ensureErrorType(err).message}`,
      level: 'warning',
      logCategory: 'system',
    });
    worker.app.packageJson = {};
  }
  const entryPoint = worker.app.packageJson.main;
  if (entryPoint) {
    try {
      const file = path.normalize(entryPoint);
      if (!fs.existsSync(path.join(functionAppDirectory, file))) throw new AzFuncSystemError('File does not exist');
      workerLog({ message: `Loading entry point file "${file}"`, level: 'debug', logCategory: 'system' });
      const entryPointFilePath = path.join(functionAppDirectory, file);
      worker.app.currentEntryPoint = entryPointFilePath;
      try {
        await loadScriptFile(entryPointFilePath, worker.app.packageJson);
      } finally {
        worker.app.currentEntryPoint = undefined;
      }
      workerLog({ message: `Loaded entry point file "${file}"`, level: 'debug', logCategory: 'system' });
    } catch (err) {
      // Node 20+: an entry point error always blocks; it surfaces in the functionMetadata response.
      const error = ensureErrorType(err);
      error.message = `Worker was unable to load entry point "${entryPoint}": ${error.message}`;
      error.isAzureFunctionsSystemError = true;
      worker.app.blockingAppStartError = error;
      console.error(error.stack);
    }
  }
  const appStartContext = hookContext(
    { hookData: () => worker.app.appLevelOnlyHookData, appHookData: () => worker.app.appHookData },
    { functionAppDirectory },
  );
  await executeHooks('appStart', appStartContext);
}

// src/eventHandlers/getWorkerCapabilities.ts: the programming model adds its own; with
// `app.setup({ enableHttpStream: true })` the library starts its HTTP proxy and adds `HttpUri`
// (library src/ProgrammingModel.ts `getCapabilities`).
async function getWorkerCapabilities() {
  let capabilities = {
    RawHttpBodyBytes: 'true',
    RpcHttpTriggerMetadataRemoved: 'true',
    RpcHttpBodyOnly: 'true',
    IgnoreEmptyValuedRpcHttpHeaders: 'true',
    UseNullableValueDictionaryForHttp: 'true',
    WorkerStatus: 'true',
    TypedDataCollection: 'true',
    HandlesWorkerTerminateMessage: 'true',
  };
  if (worker.app.programmingModel?.getCapabilities) {
    capabilities = await worker.app.programmingModel.getCapabilities(capabilities);
  }
  return capabilities;
}

function getWorkerMetadata() {
  // src/eventHandlers/getWorkerMetadata.ts
  const model = worker.app.programmingModel;
  return {
    runtimeName: 'node',
    runtimeVersion: process.versions.node,
    workerBitness: process.arch,
    workerVersion: WORKER_VERSION,
    customProperties: model ? { modelName: model.name, modelVersion: model.version } : {},
  };
}

// ---------------------------------------------------------------------------------------------
// Event handlers (src/eventHandlers/*.ts)

// WorkerInitHandler.ts
async function workerInit(msg) {
  const response = { workerMetadata: getWorkerMetadata() };
  workerLog({ message: `Worker ${worker.id} received WorkerInitRequest`, level: 'debug', logCategory: 'system' });
  if (!msg.hostVersion) throw new AzFuncSystemError('Property "hostVersion" is null or undefined.');
  worker.hostVersion = msg.hostVersion;
  if (msg.functionAppDirectory) {
    await startApp(msg.functionAppDirectory);
    response.workerMetadata = getWorkerMetadata();
  }
  response.capabilities = await getWorkerCapabilities();
  return response;
}

// FunctionsMetadataHandler.ts
async function functionsMetadata(_msg) {
  worker.app.workerIndexingLocked = true;
  const response = { useDefaultMetadataIndexing: !worker.app.isUsingWorkerIndexing };
  workerLog({
    message: `Worker ${worker.id} received FunctionsMetadataRequest`,
    level: 'debug',
    logCategory: 'system',
  });
  if (worker.app.isUsingWorkerIndexing) {
    if (worker.app.blockingAppStartError) throw worker.app.blockingAppStartError;
    response.functionMetadataResults = Object.values(worker.app.functions).map((f) => f.metadata);
  }
  return response;
}

// FunctionLoadHandler.ts (worker indexing: nothing to load, but indexing is locked)
async function functionLoad(msg) {
  worker.app.workerIndexingLocked = true;
  workerLog({ message: `Worker ${worker.id} received FunctionLoadRequest`, level: 'debug', logCategory: 'system' });
  if (worker.app.blockingAppStartError) throw worker.app.blockingAppStartError;
  if (!worker.app.isUsingWorkerIndexing)
    throw new AzFuncSystemError('Legacy (function.json) functions are not supported by this stand-in.');
  return { functionId: msg.functionId };
}

/**
 * Not part of the real protocol: what the function was called with, reported to the stand-in
 * host as soon as the library built it, so tests can see what the app saw (the request URL the
 * library built from x-forwarded-host/proto, its params). Read only, after getArguments.
 */
function describeInputs(inputs) {
  const request = inputs[0];
  if (!request || typeof request !== 'object' || typeof request.url !== 'string') return undefined;
  return {
    url: request.url,
    method: request.method,
    params: { ...request.params },
    headers: Object.fromEntries(request.headers.entries()),
  };
}

// InvocationHandler.ts
async function invocation(msg) {
  const functionId = msg.functionId;
  if (!functionId) throw new AzFuncSystemError('Property "functionId" is null or undefined.');
  const registeredFunc = worker.app.functions[functionId];
  if (!registeredFunc)
    throw new AzFuncSystemError(`Function code for '${functionId}' is not loaded and cannot be invoked.`);
  let { metadata, callback } = registeredFunc;
  const msgCategory = `${metadata.name}.Invocation`;
  const coreCtx = {
    invocationId: msg.invocationId,
    request: msg,
    metadata,
    state: undefined,
    log(level, logCategory, message) {
      workerLog({ invocationId: msg.invocationId, category: msgCategory, message, level, logCategory });
    },
  };
  coreCtx.log(
    'debug',
    'system',
    `Worker ${worker.id} received FunctionInvocationRequest with invocationId ${msg.invocationId}`,
  );

  const programmingModel = worker.app.programmingModel;
  if (!programmingModel) throw new AzFuncSystemError('Property "programmingModel" is null or undefined.');
  const invocModel = await programmingModel.getInvocationModel(coreCtx);
  const hookData = {};
  let { context, inputs } = await invocModel.getArguments();
  const described = describeInputs(inputs);
  if (described) write({ standIn: { invocationId: msg.invocationId, request: described } });

  const invocationReadOnly = {
    hookData: () => hookData,
    appHookData: () => worker.app.appHookData,
    invocationContext: () => context,
  };
  const preInvocContext = hookContext(invocationReadOnly, { functionCallback: callback, inputs });
  coreCtx.state = 'preInvocationHooks';
  try {
    await executeHooks('preInvocation', preInvocContext, msg.invocationId, msgCategory);
  } finally {
    coreCtx.state = undefined;
  }
  inputs = preInvocContext.inputs;
  callback = preInvocContext.functionCallback;

  const postInvocContext = hookContext(invocationReadOnly, { inputs, result: null, error: null });
  coreCtx.state = 'invocation';
  try {
    postInvocContext.result = await invocModel.invokeFunction(context, inputs, callback);
  } catch (err) {
    postInvocContext.error = err;
  } finally {
    coreCtx.state = undefined;
  }
  coreCtx.state = 'postInvocationHooks';
  try {
    await executeHooks('postInvocation', postInvocContext, msg.invocationId, msgCategory);
  } finally {
    coreCtx.state = undefined;
  }
  if (postInvocContext.error instanceof Error) throw postInvocContext.error;
  // With HTTP streaming, getResponse sends the response through the library's proxy
  // (library src/converters/toRpcHttp.ts → src/http/httpProxy.ts `sendProxyResponse`) and
  // resolves only after the whole body was written.
  return invocModel.getResponse(context, postInvocContext.result);
}

// terminateWorker.ts
async function terminateWorker(_msg) {
  workerLog({
    message: 'Received workerTerminate message; gracefully shutting down worker',
    level: 'debug',
    logCategory: 'system',
  });
  const appTerminateContext = hookContext({
    hookData: () => worker.app.appLevelOnlyHookData,
    appHookData: () => worker.app.appHookData,
  });
  await executeHooks('appTerminate', appTerminateContext);
  process.exit(0);
}

// src/setupEventStream.ts `handleMessage`
const HANDLERS = {
  workerInitRequest: ['workerInitResponse', workerInit, () => ({})],
  functionsMetadataRequest: [
    'functionMetadataResponse',
    functionsMetadata,
    () => ({ useDefaultMetadataIndexing: !worker.app.isUsingWorkerIndexing }),
  ],
  functionLoadRequest: ['functionLoadResponse', functionLoad, (msg) => ({ functionId: msg.functionId })],
  invocationRequest: ['invocationResponse', invocation, (msg) => ({ invocationId: msg.invocationId })],
};

async function handleMessage(inMsg) {
  const outMsg = { requestId: inMsg.requestId };
  if (inMsg.workerTerminate) {
    await terminateWorker(inMsg.workerTerminate);
    return;
  }
  if (inMsg.workerStatusRequest) {
    outMsg.workerStatusResponse = {};
    write(outMsg);
    return;
  }
  const eventName = Object.keys(HANDLERS).find((name) => inMsg[name]);
  if (!eventName) {
    workerLog({
      message: `Worker had no handler for message '${Object.keys(inMsg).join(',')}'`,
      level: 'error',
      logCategory: 'system',
    });
    return;
  }
  const [responseName, handle, defaultResponse] = HANDLERS[eventName];
  const request = inMsg[eventName];
  try {
    const response = await handle(request);
    response.result = { status: 'success' };
    outMsg[responseName] = response;
  } catch (err) {
    const error = ensureErrorType(err);
    if (error.isAzureFunctionsSystemError) workerLog({ message: error.message, level: 'error', logCategory: 'system' });
    const response = defaultResponse(request);
    response.result = { status: 'failure', exception: { message: error.message, stackTrace: error.stack } };
    outMsg[responseName] = response;
  }
  write(outMsg);
}

// ---------------------------------------------------------------------------------------------
// src/Worker.ts `startNodeWorker`
function parseArgs(args) {
  const result = {};
  for (let i = 0; i < args.length; i++) if (args[i].startsWith('--')) result[args[i].slice(2)] = args[++i];
  return result;
}

function startNodeWorker(argv) {
  const parsed = parseArgs(argv.slice(2));
  const workerId = parsed['functions-worker-id'];
  const requestId = parsed['functions-request-id'];
  if (!parsed['functions-uri'] || !workerId || !requestId)
    throw new AzFuncSystemError('gRPC client connection info is missing or incorrect.');
  if (!process.send)
    throw new AzFuncSystemError('The stand-in worker talks to its host over an IPC channel; start it with one.');
  worker.id = workerId;
  process.on('message', (msg) => void handleMessage(msg));
  // The host going away ends the event stream; the real worker's gRPC stream errors then.
  process.on('disconnect', () => process.exit(1));
  setupCoreModule();
  write({ requestId, startStream: { workerId } });
  process.on('uncaughtException', (err) => {
    const error = ensureErrorType(err);
    workerLog({ message: `Worker uncaught exception: ${error.stack || err}`, level: 'error', logCategory: 'system' });
    console.error(`Worker uncaught exception: ${error.stack || err}`);
    process.exit(1);
  });
}

startNodeWorker(process.argv);
