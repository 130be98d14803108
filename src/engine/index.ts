/** The engine's public entry: the scale engine, its types, and the ports a host wires it with. */
export * from './engine';
export { Journal } from './journal';
export { metaClusterPort } from './metaPort';
export { createNodeControl } from './nodeControl';
export type { ClusterPort, ClusterState, NodeControl } from './ports';
export type { Twin, TwinShape, TwinMetrics, PlacementOption } from './twin';
