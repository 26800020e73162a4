// Lambda entry point: reminders. Wired in a later step.
export const handler = async (): Promise<void> => {};
