// Lambda entry point: api. Wired in a later step.
export const handler = async (): Promise<void> => {};
