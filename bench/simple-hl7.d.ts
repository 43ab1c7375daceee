// Minimal types for the parts of simple-hl7 (untyped CommonJS) the benchmark calls.
declare module "simple-hl7" {
  interface SimpleHl7Segment {
    getField(index: number, repeatIndex?: number): string;
    getComponent(fieldIndex: number, componentIndex: number, subComponentIndex?: number): string;
  }
  interface SimpleHl7Message {
    /** MSH; its fields are numbered from MSH-3 = 1. */
    header: SimpleHl7Segment;
    getSegment(name: string): SimpleHl7Segment;
  }
  class Parser {
    constructor(options?: { segmentSeperator?: string });
    parse(text: string): SimpleHl7Message;
  }
  const simpleHl7: { Parser: typeof Parser };
  export default simpleHl7;
}
