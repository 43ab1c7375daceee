/**
 * Differential test against @medplum/core's Hl7Message (dev dependency only): on a corpus of
 * realistic messages both parsers must give the same value for every element both can address.
 *
 * Known, deliberate differences (normalised below, each checked explicitly at the end):
 * 1. Escapes: medplum returns raw text (`Smith \T\ Co`); we decode leaves (`Smith & Co`). We
 *    compare our leaf with `unescapeHl7(medplum's raw text)` and our structured ER7 with raw.
 * 2. Absent/empty: medplum returns "" for both; we return `undefined`.
 * 3. Indexing: medplum's `getComponent` takes 0-based repetition and subcomponent indexes (its
 *    docs say 1-based); we read its `components` arrays directly to address the same element.
 * 4. Truncation character (v2.7 5th encoding character): medplum's MSH-2 is always four
 *    characters; ours includes the fifth.
 * 5. Terminators: medplum splits on runs of CR/LF and keeps a trailing empty "segment"; we drop
 *    blank lines. Segments are compared after dropping medplum's empty ones.
 * 6. Validation: medplum accepts anything starting with "MSH"; we reject broken messages. The
 *    corpus is well-formed, so both parse everything in it.
 */
import { Hl7Message as MedplumMessage } from "@medplum/core";
import { describe, expect, it } from "vitest";
import { parseMessage, unescapeHl7 } from "./index.ts";
import { generateAdtCorpus } from "./testing/corpus.ts";

// Hand-written messages in the shapes vendors send, next to the generated corpus.
const COLLECTED = [
  // HL7 v2.5 chapter 3 A04 example.
  'MSH|^~\\&|REGADT|MCM|IFENG||199112311501||ADT^A04^ADT_A01|000001|P|2.5|||\rEVN|A04|199112311501||||199112311501\rPID|||191919^^^GENHOS^MR~371-66-9256^^^USSSA^SS|253763|MASSIE^JAMES^A||19560129|M|||171 ZOBERLEIN^^ISHPEMING^MI^49849^""^||(900)485-5344|(900)485-5344||S|C|10199925^^^GENHOS^AN|371-66-9256||\rNK1|1|MASSIE^ELLEN|SPOUSE|171 ZOBERLEIN^^ISHPEMING^MI^49849^""^|(900)485-5344|(900)545-1234~(900)545-1200|EC^EMERGENCY CONTACT\rPV1||O|O/R||||0148^ADDISON^JAMES|0148^ADDISON^JAMES|0148^ADDISON^JAMES|AMB|||||||0148^ADDISON^JAMES|S|1400|A|||||||||||||||||||GENHOS|||||199501101410|\r',
  // A merge (A40) with subcomponents in assigning authority, LF terminators.
  "MSH|^~\\&|CERNER|ST_MARY|ADT_STREAM|LAKE|20240501101500-0500||ADT^A40^ADT_A39|88421|P|2.5.1\nEVN|A40|20240501101500\nPID|||555^^^ST_MARY&1.2.3.4&ISO^MR||DOE^JOHN^^^^^L\nMRG|444^^^ST_MARY&1.2.3.4&ISO^MR|||444\n",
  // Z-segment, HL7 nulls, trailing delimiters, escapes in several places, CRLF.
  'MSH|^~\\&|MEDITECH|COUNTY|ADT_STREAM|LAKE|20240601||ADT^A08^ADT_A01|X-1|P|2.4|||AL|NE|\r\nPID|1||9^^^COUNTY^MR||O\\S\\Brien \\T\\ Co^Pat||""|""|||1 Main St\\R\\Suite 2^^Town^ST^00001||\r\nPV1|1|I|ICU^1^A^COUNTY||||||||||||||||V1^^^COUNTY^VN|||||||||||||||||||||||||20240601|\r\nZPI|1|\\H\\VIP\\N\\|""||\r\n',
  // Custom delimiters.
  "MSH*:!$%*APP*FAC*****ADT:A01*Q1*P*2.3\rPID*1**7:::H!8:::S**Mc$T$Kay:Anne%Marie\r",
];

const CORPUS = [...COLLECTED, ...generateAdtCorpus({ count: 200, seed: 99, escapeRate: 0.4 })];

describe("differential: shared/hl7 vs @medplum/core", () => {
  it("agrees on every element of every segment of the corpus", () => {
    let compared = 0;
    // Collected rather than asserted one by one: hundreds of thousands of expect() calls are slow.
    const mismatches: string[] = [];
    const check = (actual: string | undefined, expected: string | undefined, where: string): void => {
      compared++;
      if (actual !== expected)
        mismatches.push(`${where}: ours ${JSON.stringify(actual)}, medplum ${JSON.stringify(expected)}`);
    };
    for (const text of CORPUS) {
      const ours = parseMessage(text);
      const theirs = MedplumMessage.parse(text);
      const d = ours.delimiters;
      const theirSegments = theirs.segments.filter((s) => s.name !== "");
      const ourSegments = ours.segments();
      expect(ourSegments.map((s) => s.name)).toEqual(theirSegments.map((s) => s.name));

      ourSegments.forEach((seg, i) => {
        const other = theirSegments[i]!;
        const fieldCount = Math.max(
          seg.fieldCount,
          other.name === "MSH" ? other.fields.length + 1 : other.fields.length - 1,
        );
        for (let f = 1; f <= fieldCount + 1; f++) {
          const where = `${seg.name}[#${i + 1}]-${f} in ${JSON.stringify(text.slice(0, 60))}`;
          if (seg.name === "MSH" && f <= 2) {
            check(seg.get(String(f)), other.getField(f).toString(), where);
            continue;
          }
          const field = other.getField(f);
          const reps = field === undefined ? [] : field.components;
          for (let r = 1; r <= Math.max(reps.length, 1) + 1; r++) {
            const comps = reps[r - 1] ?? [];
            const raw = comps.join(d.component);
            const structured = comps.length > 1 || comps.some((c) => c.includes(d.subcomponent));
            const expectedRep = raw === "" ? undefined : structured ? raw : unescapeHl7(raw, d);
            check(seg.get(`${f}[${r}]`), expectedRep, `${where}[${r}]`);
            for (let c = 1; c <= comps.length + 1; c++) {
              const comp = comps[c - 1] ?? "";
              const subs = comp.split(d.subcomponent);
              const expectedComp = comp === "" ? undefined : subs.length > 1 ? comp : unescapeHl7(comp, d);
              check(seg.get(`${f}[${r}].${c}`), expectedComp, `${where}[${r}].${c}`);
              for (let s = 1; s <= subs.length + 1; s++) {
                const sub = subs[s - 1] ?? "";
                check(
                  seg.get(`${f}[${r}].${c}.${s}`),
                  sub === "" ? undefined : unescapeHl7(sub, d),
                  `${where}[${r}].${c}.${s}`,
                );
              }
            }
          }
        }
      });
      // Same text back (medplum normalises terminators to \r too, but also drops a final one).
      expect(ours.toString().replace(/\r$/, "")).toBe(theirs.toString().replace(/\r$/, ""));
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(50_000);
  });

  it("documents the deliberate differences", () => {
    const text = "MSH|^~\\&#|A|B|C|D|1||ADT^A01|1|P|2.7\rPID|1||x\\T\\y~z&w";
    const ours = parseMessage(text);
    const theirs = MedplumMessage.parse(text);
    // 1. escapes decoded by us, raw from medplum
    expect(ours.get("PID-3.1")).toBe("x&y");
    expect(theirs.getSegment("PID")?.getComponent(3, 1)).toBe("x\\T\\y");
    // 2. absent: undefined vs ""
    expect(ours.get("PID-4")).toBeUndefined();
    expect(theirs.getSegment("PID")?.getField(4)?.toString() ?? "").toBe("");
    // 3. medplum's repetition and subcomponent indexes are 0-based
    expect(ours.get("PID-3[2].1.2")).toBe("w");
    expect(theirs.getSegment("PID")?.getComponent(3, 1, 1, 1)).toBe("w");
    // 4. truncation character
    expect(ours.get("MSH-2")).toBe("^~\\&#");
    expect(theirs.getSegment("MSH")?.getField(2).toString()).toBe("^~\\&");
  });
});
