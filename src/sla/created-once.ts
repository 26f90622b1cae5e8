import { storeOnceByKey, submittedKeyOf } from '../idempotency/submission-once';

/**
 * Creates a calendar or policy once per form showing: a double submit, a refresh or a proxy's
 * retry with the same one-time key answers with the row the first one made (the key's unique
 * column decides between two sends at the same moment).
 */
export async function createOnce(
  input: unknown,
  findByKey: (key: string) => Promise<number | undefined>,
  create: (submissionKey: string | null) => Promise<number>,
): Promise<number> {
  const earlier = async (k: string) => {
    const id = await findByKey(k);
    return id === undefined ? undefined : { repeat: true, value: id };
  };
  return (await storeOnceByKey(submittedKeyOf(input), earlier, create)).value;
}
