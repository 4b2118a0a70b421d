package bus

import "context"

// PublishRaw publishes data as is, for tests of what workers do with a message Plaudit did not publish.
func PublishRaw(ctx context.Context, b *Bus, subject string, data []byte) error {
	_, err := b.js.Publish(ctx, subject, data)
	return err
}
