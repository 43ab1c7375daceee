/**
 * HL7 v2 ADT message → `AdtEvent` v1, driven by a vendor profile.
 *
 * Reads only through paths (see reader.ts). Positions follow HL7 v2.5.1 and hold for
 * v2.3–2.8 except where a comment says otherwise; docs/adt-event.md lists each field's source.
 * Problems are collected, not thrown, so one rejection names every problem of the message.
 */
import { type CalendarDate, parseCalendarDate, parseTimestamp, type Timestamp } from "./dtm.ts";
import { type AdtIssue, AdtIssueCode, AdtMappingError } from "./errors.ts";
import { KIND_BY_TRIGGER, MRG_REQUIRED } from "./kinds.ts";
import { isAccepted, type VendorProfile } from "./profile.ts";
import type { MessageReader, SegmentReader } from "./reader.ts";
import { ADT_EVENT_SCHEMA_ID, type AdtEvent, type Identifier, type Ingest, IngestSchema } from "./schema.ts";

type Clinician = NonNullable<AdtEvent["event"]["operator"]>;
type PersonName = NonNullable<NonNullable<AdtEvent["patient"]>["name"]>;
type Location = NonNullable<NonNullable<AdtEvent["visit"]>["location"]>;
type Address = NonNullable<NonNullable<AdtEvent["patient"]>["address"]>;
type Phone = NonNullable<AdtEvent["patient"]>["phones"][number];
type Diagnosis = AdtEvent["diagnoses"][number];

/** Result of {@link toAdtEvent}: the event, or every problem found. */
export type AdtResult = { ok: true; event: AdtEvent } | { ok: false; error: AdtMappingError };

/** Repetitions read per field at most; a hostile message cannot make the mapper loop long. */
const MAX_REPETITIONS = 50;

/** HL7 text → trimmed value or null; the HL7 explicit null `""` is also null here. */
function text(v: string | undefined): string | null {
  if (v === undefined) return null;
  const t = v.trim();
  return t === "" || t === '""' ? null : t;
}

const allNull = (o: Record<string, unknown>) => Object.values(o).every((v) => v === null);

class Mapper {
  readonly issues: AdtIssue[] = [];
  constructor(readonly zone: string) {}

  issue(path: string, code: AdtIssue["code"], reason: string): void {
    this.issues.push({ path, code, reason });
  }

  /** HD: namespace id, else universal id. `rel` addresses the HD (`3`, `3.4`, `3[2].4`). */
  hd(seg: SegmentReader, rel: string): string | null {
    return text(seg.get(`${rel}.1`)) ?? text(seg.get(`${rel}.2`));
  }

  /** TS/DTM at `label-field[rep]`: TS (v2.3–2.5) puts the time in component 1; DTM is a leaf. */
  timestamp(seg: SegmentReader, label: string, field: number, rep = 1): Timestamp | null {
    const raw = text(seg.get(`${field}[${rep}].1`));
    if (raw === null) return null;
    const parsed = parseTimestamp(raw, this.zone);
    if (parsed.ok) return parsed.value;
    this.issue(`${label}-${field}`, AdtIssueCode.INVALID_TIMESTAMP, parsed.reason);
    return null;
  }

  date(seg: SegmentReader, label: string, field: number): CalendarDate | null {
    const raw = text(seg.get(`${field}.1`));
    if (raw === null) return null;
    const parsed = parseCalendarDate(raw);
    if (parsed.ok) return parsed.value;
    this.issue(`${label}-${field}`, AdtIssueCode.INVALID_DATE, parsed.reason);
    return null;
  }

  cx(seg: SegmentReader, field: number, rep = 1): Identifier | null {
    const f = `${field}[${rep}]`;
    const id = text(seg.get(`${f}.1`));
    if (id === null) return null;
    return { id, authority: this.hd(seg, `${f}.4`), type: text(seg.get(`${f}.5`)) };
  }

  cxList(seg: SegmentReader, field: number): Array<{ rep: number; identifier: Identifier }> {
    const out: Array<{ rep: number; identifier: Identifier }> = [];
    const reps = Math.min(seg.repetitions(field), MAX_REPETITIONS);
    for (let rep = 1; rep <= reps; rep++) {
      const identifier = this.cx(seg, field, rep);
      if (identifier !== null) out.push({ rep, identifier });
    }
    return out;
  }

  xpn(seg: SegmentReader, field: number): PersonName | null {
    const name: PersonName = {
      // v2.4+ family name is FN (surname & own-surname prefix …); `.1.1` is the surname in
      // every version, since a v2.3 ST has exactly one subcomponent.
      family: text(seg.get(`${field}.1.1`)),
      given: text(seg.get(`${field}.2`)),
      middle: text(seg.get(`${field}.3`)),
      suffix: text(seg.get(`${field}.4`)),
      prefix: text(seg.get(`${field}.5`)),
      type: text(seg.get(`${field}.7`)),
    };
    return allNull(name) ? null : name;
  }

  xcn(seg: SegmentReader, field: number, rep = 1): Clinician | null {
    const f = `${field}[${rep}]`;
    const person: Clinician = {
      id: text(seg.get(`${f}.1`)),
      family: text(seg.get(`${f}.2.1`)),
      given: text(seg.get(`${f}.3`)),
      middle: text(seg.get(`${f}.4`)),
      suffix: text(seg.get(`${f}.5`)),
      prefix: text(seg.get(`${f}.6`)),
      authority: this.hd(seg, `${f}.9`),
    };
    return allNull(person) ? null : person;
  }

  xcnList(seg: SegmentReader, field: number): Clinician[] {
    const out: Clinician[] = [];
    const reps = Math.min(seg.repetitions(field), MAX_REPETITIONS);
    for (let rep = 1; rep <= reps; rep++) {
      const person = this.xcn(seg, field, rep);
      if (person !== null) out.push(person);
    }
    return out;
  }

  pl(seg: SegmentReader, field: number): Location | null {
    // PL.1–3 became HD in v2.7; `.n.1` reads the IS value of older versions and the HD
    // namespace id of newer ones alike.
    const loc: Location = {
      pointOfCare: text(seg.get(`${field}.1.1`)),
      room: text(seg.get(`${field}.2.1`)),
      bed: text(seg.get(`${field}.3.1`)),
      facility: this.hd(seg, `${field}.4`),
      building: text(seg.get(`${field}.7`)),
      floor: text(seg.get(`${field}.8`)),
    };
    return allNull(loc) ? null : loc;
  }

  xad(seg: SegmentReader, field: number): Address | null {
    const addr: Address = {
      street: text(seg.get(`${field}.1.1`)),
      otherDesignation: text(seg.get(`${field}.2`)),
      city: text(seg.get(`${field}.3`)),
      state: text(seg.get(`${field}.4`)),
      postalCode: text(seg.get(`${field}.5`)),
      country: text(seg.get(`${field}.6`)),
      type: text(seg.get(`${field}.7`)),
    };
    return allNull(addr) ? null : addr;
  }

  xtnList(seg: SegmentReader, field: number, source: Phone["source"], out: Phone[]): void {
    const reps = Math.min(seg.repetitions(field), MAX_REPETITIONS);
    for (let rep = 1; rep <= reps; rep++) {
      const f = `${field}[${rep}]`;
      const local = text(seg.get(`${f}.7`));
      let number = text(seg.get(`${f}.12`));
      if (number === null && local !== null) {
        const country = text(seg.get(`${f}.5`));
        const area = text(seg.get(`${f}.6`));
        const ext = text(seg.get(`${f}.8`));
        number = `${country === null ? "" : `+${country} `}${area === null ? "" : `(${area}) `}${local}${ext === null ? "" : ` x${ext}`}`;
      }
      number ??= text(seg.get(`${f}.1`));
      const phone: Phone = {
        source,
        use: text(seg.get(`${f}.2`)),
        equipment: text(seg.get(`${f}.3`)),
        number,
        email: text(seg.get(`${f}.4`)),
      };
      if (phone.number !== null || phone.email !== null) out.push(phone);
    }
  }

  diagnosis(seg: SegmentReader): Diagnosis | null {
    const dx: Diagnosis = {
      code: text(seg.get("3.1")),
      system: text(seg.get("3.3")),
      text: text(seg.get("3.2")) ?? text(seg.get("4")),
      type: text(seg.get("6.1")),
    };
    return allNull(dx) ? null : dx;
  }
}

function choosePrimary(
  ids: ReadonlyArray<{ rep: number; identifier: Identifier }>,
  rule: VendorProfile["primaryIdentifier"],
): Identifier | null {
  for (const authority of rule.authorities ?? []) {
    const hit = ids.find((i) => i.identifier.authority === authority);
    if (hit) return hit.identifier;
  }
  for (const type of rule.types ?? []) {
    const hit = ids.find((i) => i.identifier.type === type);
    if (hit) return hit.identifier;
  }
  if (rule.repetition !== undefined) {
    const hit = ids.find((i) => i.rep === rule.repetition);
    if (hit) return hit.identifier;
  }
  if (rule.required) return null;
  return ids[0]?.identifier ?? null;
}

function extensions(msg: MessageReader, profile: VendorProfile, m: Mapper): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [name, spec] of Object.entries(profile.extensions)) {
    if (typeof spec === "string") {
      out[name] = text(msg.get(spec));
      continue;
    }
    const parts: string[] = [];
    for (const path of spec.paths) {
      const v = text(msg.get(path));
      if (v !== null) parts.push(v);
    }
    let value: string | null = parts.length === 0 ? null : parts.join(spec.join);
    if (value !== null && spec.type !== "text") {
      const path = spec.paths[0]!;
      if (spec.type === "date") {
        const d = parseCalendarDate(value);
        if (d.ok) value = d.value.value;
        else {
          m.issue(path, AdtIssueCode.INVALID_DATE, d.reason);
          value = null;
        }
      } else {
        const t = parseTimestamp(value, m.zone);
        if (t.ok) value = t.value.value;
        else {
          m.issue(path, AdtIssueCode.INVALID_TIMESTAMP, t.reason);
          value = null;
        }
      }
    }
    out[name] = value;
  }
  return out;
}

/**
 * Normalises one parsed HL7 v2 message into an `AdtEvent` using the vendor's profile.
 * Never throws for bad input: the result lists every problem as `{ path, code, reason }`,
 * with HL7 positions and fixed reasons only (no field values, which may be PHI).
 *
 * @example
 * const result = toAdtEvent(parseMessage(job.raw), profiles.get(job.vendor) ?? DEFAULT_PROFILE, {
 *   id: job.id, vendor: job.vendor, receivedAt: job.receivedAt, seq: job.seq,
 * });
 * if (result.ok) await produce(patientKey(result.event), result.event);
 * else await deadLetter(job, result.error);
 */
export function toAdtEvent(msg: MessageReader, profile: VendorProfile, ingest: Ingest): AdtResult {
  const m = new Mapper(profile.timeZone);

  const ingestCheck = IngestSchema.safeParse(ingest);
  if (!ingestCheck.success) {
    for (const i of ingestCheck.error.issues)
      m.issue(`ingest.${i.path.map(String).join(".")}`, AdtIssueCode.INVALID_INGEST, i.message);
  }

  // MSH is always present: parseMessage rejects a message that does not start with it.
  const msh = msg.segment("MSH");
  const evn = msg.segment("EVN");
  const pid = msg.segment("PID");
  const pv1 = msg.segment("PV1");
  const mrg = msg.segment("MRG");

  const messageType = msh ? text(msh.get("9.1")) : null;
  // v2.3 senders sometimes leave MSH-9.2 empty and put the trigger in EVN-1 only.
  const trigger = (msh ? text(msh.get("9.2")) : null) ?? (evn ? text(evn.get("1")) : null);
  const controlId = msh ? text(msh.get("10")) : null;
  if (messageType === null) m.issue("MSH-9.1", AdtIssueCode.REQUIRED, "message type is empty");
  if (trigger === null)
    m.issue("MSH-9.2", AdtIssueCode.REQUIRED, "trigger event is empty (MSH-9.2 and EVN-1)");
  if (controlId === null) m.issue("MSH-10", AdtIssueCode.REQUIRED, "message control id is empty");
  if (messageType !== null && trigger !== null && !isAccepted(profile, messageType, trigger)) {
    m.issue(
      "MSH-9",
      AdtIssueCode.NOT_ACCEPTED,
      "message type and trigger not accepted by the vendor profile",
    );
  }

  const sendingFacility = msh ? m.hd(msh, "4") : null;
  if (
    profile.sendingFacilities !== undefined &&
    (sendingFacility === null || !profile.sendingFacilities.includes(sendingFacility))
  ) {
    m.issue("MSH-4", AdtIssueCode.FACILITY_NOT_ALLOWED, "sending facility not allowed by the vendor profile");
  }

  // Header and event first, so issues come out roughly in message order.
  const header: AdtEvent["header"] = {
    messageType: messageType ?? "",
    trigger: trigger ?? "",
    structure: msh ? text(msh.get("9.3")) : null,
    controlId: controlId ?? "",
    version: msh ? text(msh.get("12.1")) : null,
    sentAt: msh ? m.timestamp(msh, "MSH", 7) : null,
    sendingApplication: msh ? m.hd(msh, "3") : null,
    sendingFacility,
    receivingApplication: msh ? m.hd(msh, "5") : null,
    receivingFacility: msh ? m.hd(msh, "6") : null,
    processingId: msh ? text(msh.get("11.1")) : null,
  };

  const event: AdtEvent["event"] = {
    kind:
      (trigger === null ? undefined : (profile.eventKinds[trigger] ?? KIND_BY_TRIGGER[trigger])) ?? "other",
    recordedAt: evn ? m.timestamp(evn, "EVN", 2) : null,
    occurredAt: evn ? m.timestamp(evn, "EVN", 6) : null,
    reason: evn ? text(evn.get("4.1")) : null,
    operator: evn ? m.xcn(evn, 5) : null,
  };

  for (const path of profile.required) {
    if (text(msg.get(path)) === null) m.issue(path, AdtIssueCode.REQUIRED, "required by the vendor profile");
  }

  if (messageType === "ADT" && pid === undefined && trigger !== "A20") {
    m.issue("PID", AdtIssueCode.MISSING_SEGMENT, "ADT messages carry a PID segment");
  }
  if (trigger !== null && MRG_REQUIRED.has(trigger) && mrg === undefined) {
    m.issue("MRG", AdtIssueCode.MISSING_SEGMENT, "merge and change-identifier triggers carry an MRG segment");
  }

  let patient: AdtEvent["patient"] = null;
  if (pid !== undefined) {
    const ids = m.cxList(pid, 3);
    let primary = choosePrimary(ids, profile.primaryIdentifier);
    if (primary === null && profile.primaryIdentifier.required) {
      m.issue("PID-3", AdtIssueCode.REQUIRED, "no identifier matches the profile's primary identifier rule");
    }
    const defaultAuthority = profile.primaryIdentifier.defaultAuthority;
    if (primary !== null && primary.authority === null && defaultAuthority !== undefined) {
      primary = { ...primary, authority: defaultAuthority };
    }
    const birthDate = m.date(pid, "PID", 7);
    const deathAt = m.timestamp(pid, "PID", 29);
    const deathFlag = text(pid.get("30"));
    let deceased: boolean | null = null;
    if (deathFlag === "Y") deceased = true;
    else if (deathFlag === "N") deceased = false;
    else if (deathFlag !== null)
      m.issue("PID-30", AdtIssueCode.INVALID_VALUE, "death indicator is not Y or N");
    const phones: Phone[] = [];
    m.xtnList(pid, 13, "home", phones);
    m.xtnList(pid, 14, "business", phones);
    patient = {
      identifiers: ids.map((i) => i.identifier),
      primaryIdentifier: primary,
      name: m.xpn(pid, 5),
      birthDate,
      sex: text(pid.get("8.1")),
      address: m.xad(pid, 11),
      phones,
      language: text(pid.get("15.1")),
      deceased,
      deathAt,
    };
  }

  let visit: AdtEvent["visit"] = null;
  if (pv1 !== undefined) {
    visit = {
      patientClass: text(pv1.get("2.1")),
      location: m.pl(pv1, 3),
      priorLocation: m.pl(pv1, 6),
      admissionType: text(pv1.get("4.1")),
      hospitalService: text(pv1.get("10.1")),
      attendingDoctors: m.xcnList(pv1, 7),
      referringDoctors: m.xcnList(pv1, 8),
      visitNumber: m.cx(pv1, 19),
      admittedAt: m.timestamp(pv1, "PV1", 44),
      dischargedAt: m.timestamp(pv1, "PV1", 45),
      dischargeDisposition: text(pv1.get("36.1")),
    };
  }

  const diagnoses: Diagnosis[] = [];
  for (const dg1 of msg.segments("DG1")) {
    const dx = m.diagnosis(dg1);
    if (dx !== null) diagnoses.push(dx);
  }

  const mergeSource: AdtEvent["mergeSource"] =
    mrg === undefined
      ? null
      : {
          identifiers: m.cxList(mrg, 1).map((i) => i.identifier),
          accountNumber: m.cx(mrg, 3),
          visitNumber: m.cx(mrg, 5),
          name: m.xpn(mrg, 7),
        };

  let facility: string | null = null;
  for (const path of profile.facility) {
    facility = text(msg.get(path));
    if (facility !== null) break;
  }

  const ext = extensions(msg, profile, m);

  if (m.issues.length > 0) return { ok: false, error: new AdtMappingError(m.issues) };
  return {
    ok: true,
    event: {
      schema: ADT_EVENT_SCHEMA_ID,
      ingest: { id: ingest.id, vendor: ingest.vendor, receivedAt: ingest.receivedAt, seq: ingest.seq },
      header,
      facility,
      event,
      patient,
      visit,
      diagnoses,
      mergeSource,
      extensions: ext,
    },
  };
}

/**
 * The Kafka partition key: `authority|id` of the patient's primary identifier (authority empty
 * when neither the message nor the profile names one), else the message control id.
 *
 * @example
 * patientKey(event); // "HOSP|12345"
 */
export function patientKey(event: AdtEvent): string {
  const primary = event.patient?.primaryIdentifier;
  return primary ? `${primary.authority ?? ""}|${primary.id}` : event.header.controlId;
}
