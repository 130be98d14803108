/** Public API of the Pegasus protocol layer; see README.md in this folder. */
export * from './errors';
export * from './types';
export { TType, ThriftReader, ThriftWriter } from './thrift';
export * from './structs';
export * from './frame';
export * from './rpc';
export { Connection, splitHostPort, type CallOptions, type ConnectionOptions } from './connection';
export {
  MetaClient,
  clusterInfoRecord,
  serverStartTime,
  type LeaderChange,
  type LeaderWatchOptions,
  type MetaClientOptions,
  type RemoteCommandAt,
} from './metaClient';
export { parseRemoteCommandOutput, remoteCommandResultSchema, type RemoteCommandResult } from './remoteCommand';
export * from './replicaMetrics';
