/**
 * Where a detector found something in a text: UTF-16 offsets, `end` exclusive, as String.prototype.slice takes
 * them. Detectors are pure functions from a text to its spans, in order of their start.
 */
export interface TextSpan {
  start: number;
  end: number;
}

export type Detector = (text: string) => TextSpan[];
