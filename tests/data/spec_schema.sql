-- The nine CREATE TABLE statements of the customer's specification, copied verbatim from
-- ../shared/spec/001_c81bf52c4310f715.txt ("Database Schema"). Tests parse this file to check
-- the schema Angel builds, and execute it to play Pulse creating the tables itself.

CREATE TABLE ai_call_recordings (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    apex_id VARCHAR(255) UNIQUE NOT NULL,       -- Unique call ID from apex_data system
    client_ref VARCHAR(255) NULL,                -- Client reference code
    campaign VARCHAR(255) NULL,                  -- Campaign name
    halo_id BIGINT UNSIGNED NULL,                -- Agent ID from Halo system
    agent_name VARCHAR(255) NULL,                -- Agent display name
    creative VARCHAR(255) NULL,                  -- Creative name
    direction VARCHAR(255) NULL,                 -- 'inbound' or 'outbound'
    invoicing VARCHAR(255) NULL,                 -- Invoicing category
    call_date DATE NULL,                         -- Date of the call
    retain_audio BOOLEAN DEFAULT FALSE,          -- If TRUE, store redacted audio in R2
    r2_path VARCHAR(255) NULL,                   -- Path to redacted audio in R2 (if retained)
    r2_bucket VARCHAR(255) NULL,                 -- R2 bucket name
    duration_seconds INT NULL,                   -- Call duration
    file_size_bytes BIGINT NULL,                 -- File size
    file_format VARCHAR(255) DEFAULT 'wav',      -- Audio format
    processing_status ENUM('pending', 'queued', 'processing', 'completed', 'failed') DEFAULT 'pending',
    processing_error TEXT NULL,                  -- Error message if failed
    retry_count TINYINT UNSIGNED DEFAULT 0,      -- Number of processing retries (max 3)
    next_retry_at TIMESTAMP NULL,                -- When to retry failed processing
    uploaded_at TIMESTAMP NULL,
    processing_started_at TIMESTAMP NULL,
    processing_completed_at TIMESTAMP NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    deleted_at TIMESTAMP NULL,
    
    INDEX idx_apex_id (apex_id),
    INDEX idx_client_ref (client_ref),
    INDEX idx_campaign (campaign),
    INDEX idx_call_date (call_date),
    INDEX idx_processing_status (processing_status),
    INDEX idx_halo_id (halo_id),
    INDEX idx_agent_name (agent_name),
    INDEX idx_next_retry (next_retry_at)
);

CREATE TABLE ai_call_transcriptions (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    ai_call_recording_id BIGINT NOT NULL,        -- FK to ai_call_recordings
    full_transcript LONGTEXT NOT NULL,           -- Complete transcript text
    segments JSON NULL,                          -- Word-level segments with timestamps
    redacted_transcript LONGTEXT NULL,           -- PII-redacted version
    pii_detected JSON NULL,                      -- PII entities found (see UK PII patterns below)
    language_detected VARCHAR(255) NULL,         -- Detected language code
    confidence_score DECIMAL(5,4) NULL,          -- 0.0000 to 1.0000
    model_used VARCHAR(255) DEFAULT 'whisper-medium',
    processing_time_seconds INT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    FOREIGN KEY (ai_call_recording_id) REFERENCES ai_call_recordings(id) ON DELETE CASCADE,
    INDEX idx_recording (ai_call_recording_id)
);

CREATE TABLE ai_call_analysis (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    ai_call_recording_id BIGINT NOT NULL,        -- FK to ai_call_recordings
    summary TEXT NULL,                           -- AI-generated call summary (2-4 sentences)
    sentiment_score DECIMAL(4,2) NULL,           -- Scale: -10.00 to +10.00
    sentiment_label ENUM('very_negative', 'negative', 'neutral', 'positive', 'very_positive') NULL,
    key_topics JSON NULL,                        -- Array of identified topics (from config)
    agent_actions_performed JSON NULL,           -- Actions agent took (from config)
    performance_scores JSON NULL,                -- Rubric scores (from config)
    action_items JSON NULL,                      -- Extracted action items / follow-ups
    quality_score DECIMAL(5,2) NULL,             -- 0.00 to 100.00 (derived from performance_scores)
    compliance_flags JSON NULL,                  -- Compliance issues detected
    speaker_metrics JSON NULL,                   -- Talk time, interruptions per speaker
    audio_analysis JSON NULL,                    -- Raw audio analysis data
    model_used VARCHAR(255) DEFAULT 'qwen2.5-omni-7b',
    model_version VARCHAR(255) NULL,             -- Specific model version used
    processing_time_seconds INT NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    FOREIGN KEY (ai_call_recording_id) REFERENCES ai_call_recordings(id) ON DELETE CASCADE,
    INDEX idx_recording (ai_call_recording_id),
    INDEX idx_sentiment (sentiment_label),
    INDEX idx_quality (quality_score)
);

CREATE TABLE ai_call_annotations (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    ai_call_analysis_id BIGINT NOT NULL,         -- FK to ai_call_analysis
    user_id BIGINT UNSIGNED NOT NULL,            -- User who created annotation
    annotation_type VARCHAR(255) NOT NULL,       -- 'sentiment', 'quality', 'compliance', 'custom_tag', 'segment_flag'
    field_name VARCHAR(255) NULL,                -- Which field is being corrected
    original_value TEXT NULL,                    -- Original AI-generated value
    corrected_value TEXT NULL,                   -- Human-corrected value
    timestamp_start DECIMAL(10,3) NULL,          -- For segment annotations
    timestamp_end DECIMAL(10,3) NULL,
    tags JSON NULL,                              -- Custom tags/labels
    notes TEXT NULL,                             -- Annotator notes
    is_training_data BOOLEAN DEFAULT TRUE,       -- Whether to use for model training
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    FOREIGN KEY (ai_call_analysis_id) REFERENCES ai_call_analysis(id) ON DELETE CASCADE,
    INDEX idx_analysis (ai_call_analysis_id),
    INDEX idx_user (user_id),
    INDEX idx_type (annotation_type),
    INDEX idx_training (is_training_data)
);

CREATE TABLE ai_monthly_summaries (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    feature VARCHAR(255) NOT NULL,               -- 'call_quality', etc.
    month SMALLINT UNSIGNED NOT NULL,            -- 1-12
    year SMALLINT UNSIGNED NOT NULL,             -- e.g., 2026
    client_ref VARCHAR(255) NULL,                -- Filter by client
    campaign VARCHAR(255) NULL,                  -- Filter by campaign
    agent_id BIGINT UNSIGNED NULL,               -- Filter by agent
    summary_data JSON NOT NULL,                  -- AI-generated summary
    metrics JSON NULL,                           -- Aggregated metrics
    generated_at TIMESTAMP NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    UNIQUE KEY unique_summary (feature, month, year, client_ref, campaign, agent_id),
    INDEX idx_feature (feature),
    INDEX idx_month_year (month, year)
);

CREATE TABLE ai_chat_conversations (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    user_id BIGINT UNSIGNED NOT NULL,
    feature VARCHAR(255) NOT NULL,               -- 'call_quality', etc.
    filters JSON NULL,                           -- Active filters when conversation started
    title VARCHAR(255) NULL,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    INDEX idx_user (user_id),
    INDEX idx_feature (feature)
);

CREATE TABLE ai_chat_messages (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    ai_chat_conversation_id BIGINT NOT NULL,
    role ENUM('user', 'assistant', 'system') NOT NULL,
    content TEXT NOT NULL,
    metadata JSON NULL,                          -- tokens_used, model, etc.
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    FOREIGN KEY (ai_chat_conversation_id) REFERENCES ai_chat_conversations(id) ON DELETE CASCADE,
    INDEX idx_conversation (ai_chat_conversation_id)
);

CREATE TABLE ai_voice_fingerprints (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    halo_id BIGINT UNSIGNED NOT NULL,            -- Agent ID from Halo system
    agent_name VARCHAR(255) NOT NULL,            -- Agent display name
    fingerprint_data BLOB NOT NULL,              -- Voice embedding/fingerprint vector
    sample_count INT DEFAULT 0,                  -- Number of samples used to build fingerprint
    confidence_threshold DECIMAL(3,2) DEFAULT 0.85, -- Min confidence to match
    last_updated_at TIMESTAMP NULL,              -- When fingerprint was last refined
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    UNIQUE KEY unique_agent (halo_id),
    INDEX idx_agent_name (agent_name)
);

CREATE TABLE ai_client_configs (
    id BIGINT PRIMARY KEY AUTO_INCREMENT,
    client_ref VARCHAR(255) NULL,                -- NULL = default/global config
    config_type VARCHAR(50) NOT NULL,            -- 'topics', 'agent_actions', 'performance_rubric', 'prompt'
    config_data JSON NOT NULL,                   -- The configuration data
    is_active BOOLEAN DEFAULT TRUE,
    created_at TIMESTAMP,
    updated_at TIMESTAMP,
    
    UNIQUE KEY unique_config (client_ref, config_type),
    INDEX idx_client (client_ref),
    INDEX idx_type (config_type)
);
