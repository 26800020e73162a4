// Lambda entry point: stream. Wired in a later step.
export const handler = async (): Promise<void> => {};
