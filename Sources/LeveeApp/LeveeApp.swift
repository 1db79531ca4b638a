// LeveeApp: the levee-monitoring application and the node that wires the core together.
//
// Sensor channels, sampling, history, risk and alarms, and the CoAP resource table that exposes
// them. Portable: a board (Linux simulator or STM32F407) supplies clock, network and sensors as
// generic parameters.
