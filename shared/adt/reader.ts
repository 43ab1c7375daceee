/**
 * The part of the HL7 library's API the mapper uses (`Hl7Message` and `Hl7Segment` from
 * shared/hl7 satisfy it structurally). Keeping the dependency this narrow means the mapping
 * reads messages only through the contract: paths, segments, repetition counts.
 */

/** One segment; paths are relative to it (`3[2].4.1`), 1-based as HL7 writes them. */
export interface SegmentReader {
  get(path: string): string | undefined;
  /** Number of repetitions of field `field` (0 when empty). */
  repetitions(field: number): number;
}

export interface MessageReader {
  get(path: string): string | undefined;
  segments(name?: string): readonly SegmentReader[];
  segment(name: string): SegmentReader | undefined;
}
