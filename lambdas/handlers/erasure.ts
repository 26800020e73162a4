// Lambda entry point: erasure. Wired in a later step.
export const handler = async (): Promise<void> => {};
